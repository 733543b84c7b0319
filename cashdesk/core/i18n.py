"""Translation of messages produced outside the UI.

The UI wraps its own strings with Qt's tr(); messages raised by services (errors shown to users)
go through gettext so that a later translation needs no rewrite of the services.
"""

from __future__ import annotations

import gettext
from pathlib import Path

_LOCALE_DIR = Path(__file__).resolve().parent.parent / "resources" / "locale"
_translation: gettext.NullTranslations = gettext.translation("cashdesk", localedir=_LOCALE_DIR, fallback=True)


def install_language(language: str | None) -> None:
    """Switch service messages to `language` (e.g. "fr"); unknown languages fall back to English."""
    global _translation  # noqa: PLW0603 - one process-wide language, as the UI has
    languages = [language] if language else None
    _translation = gettext.translation("cashdesk", localedir=_LOCALE_DIR, languages=languages, fallback=True)


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)
