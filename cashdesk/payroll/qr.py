"""QR codes of transaction numbers, drawn straight onto a reportlab canvas.

A 10,000-row payroll sheet has 10,000 codes, so each must cost well under a tenth of a millisecond.
reportlab's QrCodeWidget draws every dark module as its own shape and tries all eight masks (about 1.8 ms
a code); even its bare encoder with one mask is 0.3 ms, and drawing the modules through its path objects as
much again. Here the encoding is zxing-cpp's (C++, the library the tests also read the codes back with:
about 0.09 ms), and the code is written as a tiny PDF image mask (a bit a module, 63 bytes for a 21x21
code) scaled into its square: the printer gets square black modules with sharp edges, as from vector
shapes, for a fraction of the work of drawing each run of modules.
"""

from __future__ import annotations

import zxingcpp
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

QUIET = 1  # modules of white margin inside the drawn square (the row's own space adds the rest)


def modules(text: str) -> tuple[int, bytes]:
    """The code's size in modules and its rows, top first, packed a bit a module (0: dark), each row
    padded to whole bytes: the samples of a PDF image mask."""
    image = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False
    )
    size = image.shape[0]
    samples = bytes(memoryview(image))  # type: ignore[arg-type]  # it has the buffer protocol, not its stub
    return size, Image.frombuffer("L", (size, size), samples).convert("1").tobytes()


def draw_qr(canvas: Canvas, text: str, x: float, y: float, side: float) -> None:
    """A QR code of `text` filling the square of `side` points whose lower left corner is (x, y)."""
    size, packed = modules(text)
    module = side / (size + 2 * QUIET)
    inner = size * module
    # An image mask paints its 0 samples in the current colour (black) and leaves the rest untouched; the
    # `cm` scales its unit square to the code's place. Not interpolated: square modules, sharp edges.
    canvas.addLiteral(
        f"q 0 g {inner:.3f} 0 0 {inner:.3f} {x + QUIET * module:.3f} {y + QUIET * module:.3f} cm "
        f"BI /W {size} /H {size} /IM true /BPC 1 /F /AHx ID {packed.hex()}> EI Q"
    )
