"""Sending a saved PDF (a payroll sheet, payment slips) to a printer through the system's print dialog.

CashDesk writes the PDF itself (cashdesk.payroll.sheets); printing only draws its pages, as images, onto
the printer the user picks. The pages are drawn on the worker thread (Qt allows a QPainter on a QPrinter
outside the GUI thread), a page at a time, so a 10,000-page sheet never freezes the window and Cancel
stops it. QtPdf is a separate wheel (PySide6-Pdf): without it, saving the PDF still works and the user is
told to print the file from their PDF reader.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRectF, QSize
from PySide6.QtGui import QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from cashdesk.core.errors import Cancelled, CashDeskError
from cashdesk.core.jobs import check_abort
from cashdesk.ui.ops import OpsHub, error_text

RENDER_DPI = 200  # sharp enough for QR codes and small print; a 1200 dpi page image would be ~550 MB


def _tr(text: str) -> str:
    return QCoreApplication.translate("PrintPdf", text)


def pdf_support() -> bool:
    try:
        import PySide6.QtPdf  # noqa: F401
    except ImportError:
        return False
    return True


def print_pages(
    path: Path,
    printer: QPrinter,
    *,
    progress: Callable[[float, str], None],
    abort: threading.Event,
) -> int:
    """Draw the PDF's pages (the range chosen in the print dialog, else all) onto `printer`; the count."""
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    if document.load(str(path)) != QPdfDocument.Error.None_:
        raise CashDeskError(_tr("{path} cannot be read as a PDF.").format(path=path))
    total = document.pageCount()
    first = max(1, printer.fromPage() or 1)
    last = min(total, printer.toPage() or total)
    painter = QPainter()
    if not painter.begin(printer):
        raise CashDeskError(
            _tr("The printer could not be started. Check that it is switched on and try again.")
        )
    try:
        for number in range(first, last + 1):
            if abort.is_set():
                printer.abort()
                check_abort(abort)
            if number > first:
                printer.newPage()
            points = document.pagePointSize(number - 1)
            image = document.render(
                number - 1,
                QSize(int(points.width() * RENDER_DPI / 72), int(points.height() * RENDER_DPI / 72)),
            )
            area = QRectF(painter.viewport())
            scale = min(area.width() / image.width(), area.height() / image.height())
            target = QRectF(area.x(), area.y(), image.width() * scale, image.height() * scale)
            painter.drawImage(target, image)
            progress(
                (number - first + 1) / (last - first + 1),
                _tr("Page {page:,} of {last:,}").format(page=number, last=last),
            )
    finally:
        painter.end()
    document.close()
    return last - first + 1


def print_pdf(hub: OpsHub, path: Path, parent: QWidget, *, on_done: Callable[[int], None]) -> None:
    """Ask which printer (the system dialog), then print the PDF's pages as a job with progress and Cancel."""
    if not pdf_support():
        QMessageBox.information(
            parent,
            parent.tr("Print"),
            parent.tr(
                "This installation cannot print PDFs itself (the Qt PDF module is missing). "
                "The file is saved: open it and print it from your PDF reader.\n\n{path}"
            ).format(path=path),
        )
        return
    if not QPrinterInfo.availablePrinters():
        # Qt would offer only "Print to File (PDF)": a copy of the PDF the user already has.
        QMessageBox.information(
            parent,
            parent.tr("Print"),
            parent.tr(
                "No printer is set up on this computer. The file is saved; print it once a printer "
                "is installed, or from another computer.\n\n{path}"
            ).format(path=path),
        )
        return
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(path.stem)
    printer.setPageOrientation(
        QPageLayout.Orientation.Landscape if _landscape(path) else QPageLayout.Orientation.Portrait
    )
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(parent.tr("Print {name}").format(name=path.name))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return

    def failed(exc: BaseException) -> None:
        if not isinstance(exc, Cancelled):
            QMessageBox.warning(parent, parent.tr("Print"), error_text(exc))

    hub.job(
        parent.tr("Printing {name}…").format(name=path.name),
        print_pages,
        path,
        printer,
        needs_desk=False,
        on_done=on_done,
        on_error=failed,
        parent=parent,
    )


def _landscape(path: Path) -> bool:
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    if document.load(str(path)) != QPdfDocument.Error.None_ or document.pageCount() == 0:
        return False
    size = document.pagePointSize(0)
    document.close()
    return size.width() > size.height()
