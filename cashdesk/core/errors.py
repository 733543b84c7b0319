"""Errors a user can be shown. Every message says what happened and what to do next."""

from __future__ import annotations

from datetime import datetime


class CashDeskError(Exception):
    """An expected failure with a message fit for a non-technical user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticationError(CashDeskError):
    """Unknown user or wrong password (deliberately not saying which)."""


class AccountLocked(CashDeskError):
    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class AccountInactive(CashDeskError):
    pass


class PermissionDenied(CashDeskError):
    pass


class ValidationError(CashDeskError):
    """Bad input; `field` names the offending field when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(CashDeskError):
    pass


class DatabaseError(CashDeskError):
    """The database cannot be opened or written; nothing stored was changed."""


class NotACashDeskDatabase(DatabaseError):
    pass


class DatabaseTooNew(DatabaseError):
    pass


class DiskFull(DatabaseError):
    pass


class NotInitialised(DatabaseError):
    """No scheme has been created in this data folder yet."""


class Cancelled(CashDeskError):
    """A long job was cancelled by the user; everything it did was rolled back."""
