"""The scheme a database runs: creating it, its settings, and the country facts it depends on."""
