"""QR codes of transaction numbers, drawn straight onto a reportlab canvas.

reportlab's QrCodeWidget draws every dark module as its own shape and tries all eight mask patterns
(about 1.8 ms a code); a 10,000-row payroll has 10,000 codes. Here the encoder is reportlab's own, with
one fixed mask pattern (any of the eight is valid: the best one only avoids patterns that confuse old
scanners, which a 21x21 code of a short number rarely makes), and each row of modules is drawn as a few
rectangles, one per run of dark modules, into one path: about 0.2 ms a code.
"""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder
from reportlab.pdfgen.canvas import Canvas

MASK = 0
QUIET = 1  # modules of white margin inside the drawn square (the row's own space adds the rest)


def dark_runs(text: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The code's size in modules and its dark runs as (row, first column, length)."""
    code = qrencoder.QRCode(1, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    try:
        code.makeImpl(False, MASK)
    except (OverflowError, ValueError, TypeError):  # too long for version 1: let the encoder choose
        code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        code.addData(text)
        code.make()
    size = code.getModuleCount()
    runs = []
    for row, modules in enumerate(code.modules):
        start = None
        for col in range(size + 1):
            dark = col < size and modules[col]
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((row, start, col - start))
                start = None
    return size, runs


def draw_qr(canvas: Canvas, text: str, x: float, y: float, side: float) -> None:
    """A QR code of `text` filling the square of `side` points whose lower left corner is (x, y)."""
    size, runs = dark_runs(text)
    module = side / (size + 2 * QUIET)
    top = y + side - QUIET * module
    path = canvas.beginPath()
    for row, col, length in runs:
        path.rect(x + (QUIET + col) * module, top - (row + 1) * module, length * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
