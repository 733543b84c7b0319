"""Where CashDesk keeps its files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATABASE_FILE = "cashdesk.db"
KEYSTORE_FILE = "keys.json"


def default_data_dir() -> Path:
    """The platform's per-user data folder, overridable with CASHDESK_HOME."""
    env = os.environ.get("CASHDESK_HOME")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "CashDesk"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "CashDesk"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "cashdesk"
