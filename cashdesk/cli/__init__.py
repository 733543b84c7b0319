"""The `cashdesk` command: every main job is scriptable without a window."""
