"""What makes an acceptable password for people who type on a shared field laptop."""

from __future__ import annotations

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _

MIN_LENGTH = 8


def check_password(password: str, *, username: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            _("The password must have at least {n} characters.").format(n=MIN_LENGTH), field=field
        )
    if password.strip().lower() == username.strip().lower():
        raise ValidationError(_("The password must not be the user name."), field=field)
    if len(set(password)) < 3:
        raise ValidationError(
            _("The password is too easy to guess: use more different characters."), field=field
        )


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not (2 <= len(name) <= 64) or not all(c.isalnum() or c in "._-" for c in name):
        raise ValidationError(
            _("A user name has 2 to 64 letters, digits, dots, dashes or underscores, and no spaces."),
            field="username",
        )
    return name
