"""CashDesk: run cash transfer schemes offline, sync when a connection appears."""

__version__ = "0.1.0"
