from cashdesk.cli.main import main

raise SystemExit(main())
