"""What every printed document shares: fonts that can write any name, text cut to its box, and a file
that appears whole or not at all.

reportlab's built-in Helvetica knows only Latin-1: a name in another script would print as black boxes.
DejaVu Sans (the Debian package fonts-dejavu-core, which the window needs anyway) covers Latin, Greek,
Cyrillic, Arabic and more; it is embedded, subset to the characters used. Without it the documents fall
back to Helvetica and say so in the result.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _

PAGE = landscape(A4)
FONT_FOLDERS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
    Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts",
    Path("/Library/Fonts"),
)


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    mono: str
    embedded: bool  # False: Helvetica, Latin-1 only


def _find(filename: str) -> Path | None:
    for folder in FONT_FOLDERS:
        if (folder / filename).is_file():
            return folder / filename
    return None


@cache
def fonts() -> Fonts:
    files = {
        "CashDesk-Regular": "DejaVuSans.ttf",
        "CashDesk-Bold": "DejaVuSans-Bold.ttf",
        "CashDesk-Mono": "DejaVuSansMono.ttf",
    }
    paths = {name: _find(filename) for name, filename in files.items()}
    if any(path is None for path in paths.values()):
        return Fonts("Helvetica", "Helvetica-Bold", "Courier", embedded=False)
    for name, path in paths.items():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return Fonts("CashDesk-Regular", "CashDesk-Bold", "CashDesk-Mono", embedded=True)


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis so that it fits in `width` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle] + "\u2026", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "\u2026"


@contextmanager
def pdf_file(path: Path, *, title: str, author: str) -> Iterator[Canvas]:
    """A canvas whose file appears under `path` only when the block ends without an exception.

    It is written to PATH.part and renamed, so a power cut or a Cancel never leaves a truncated PDF that
    looks like a payroll sheet; an older file of that name stays until the new one is complete.
    """
    if path.suffix.lower() != ".pdf":
        raise ValidationError(_("{path}: the file name must end in .pdf.").format(path=path), field="out")
    if not path.parent.is_dir():
        raise ValidationError(
            _("{path} cannot be written: the folder {folder} does not exist.").format(
                path=path, folder=path.parent
            ),
            field="out",
        )
    part = path.with_name(path.name + ".part")
    canvas = Canvas(str(part), pagesize=PAGE, pageCompression=1, invariant=True)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("CashDesk")
    try:
        yield canvas
        canvas.save()
        with part.open("rb+") as handle:  # on disk before the rename: the name never points at half a file
            os.fsync(handle.fileno())
        part.replace(path)
    except OSError as exc:
        raise ValidationError(
            _("{path} cannot be written: {reason}.").format(path=path, reason=exc.strerror or exc),
            field="out",
        ) from exc
    finally:
        part.unlink(missing_ok=True)
