"""Payment slips: one per household, handed out before pay day, four to an A4 landscape page (cut along
the dashed lines). A slip tells the recipient where and when to come, how much, and carries the
transaction number as text and as a QR code the pay point scans."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.payroll.pdf import PAGE, Fonts, fit, fonts, pdf_file
from cashdesk.payroll.printing import Line, Printed, Released, lines, record_release, released
from cashdesk.payroll.qr import draw_qr
from cashdesk.security.permissions import Actor

WIDTH, HEIGHT = PAGE
PER_PAGE = 4
SLIP_W, SLIP_H = WIDTH / 2, HEIGHT / 2
PAD = 22.0
QR_SIDE = 96.0


def print_slips(
    session: Session,
    actor: Actor,
    code: str,
    out: Path,
    *,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> Printed:
    """Write one slip per payment of approved payroll `code` to `out` (a .pdf); recorded in the audit."""
    abort = abort or never_abort()
    document = released(session, actor, code, now=datetime.now(UTC))
    s = document.summary
    pages = max(1, math.ceil(s.line_count / PER_PAGE))
    record_release(
        session, actor, document, action="payroll.slips_printed", what=_("slips"), path=out, pages=pages
    )
    font = fonts()
    stream = lines(session, s.id)
    with pdf_file(
        out, title=_("Payment slips {code}").format(code=s.code), author=document.printed_by
    ) as canvas:
        for page in range(1, pages + 1):
            check_abort(abort)
            for slot, line in enumerate(islice(stream, PER_PAGE)):
                _slip(canvas, font, document, slot, line)
            _cut_lines(canvas)
            canvas.showPage()
            if page % 25 == 0:
                progress(page / pages, _("Page {page:,} of {pages:,}").format(page=page, pages=pages))
        progress(1.0, _("{pages:,} pages written").format(pages=pages))
    return Printed(out, pages, s.line_count, s.total_minor, font.embedded)


def _cut_lines(canvas: Canvas) -> None:
    canvas.setDash(4, 4)
    canvas.setLineWidth(0.5)
    canvas.line(SLIP_W, 12, SLIP_W, HEIGHT - 12)
    canvas.line(12, SLIP_H, WIDTH - 12, SLIP_H)
    canvas.setDash()


def _slip(canvas: Canvas, font: Fonts, document: Released, slot: int, line: Line) -> None:
    s = document.summary
    left = (slot % 2) * SLIP_W + PAD
    top = HEIGHT - (slot // 2) * SLIP_H - PAD
    text_width = SLIP_W - 2 * PAD - QR_SIDE - 10
    canvas.setFont(font.bold, 11)
    canvas.drawString(left, top - 10, fit(document.scheme_name, font.bold, 11, SLIP_W - 2 * PAD))
    canvas.setFont(font.regular, 9)
    canvas.drawString(
        left,
        top - 24,
        fit(_("Payment slip · {plan} · {period}").format(plan=s.plan_name, period=s.period),
            font.regular, 9, SLIP_W - 2 * PAD),
    )  # fmt: skip
    canvas.setFont(font.bold, 15)
    canvas.drawString(left, top - 50, fit(line.recipient_name, font.bold, 15, text_width))
    canvas.setFont(font.regular, 10)
    canvas.drawString(left, top - 66, f"{_('Household')}: {line.household_code}")
    if line.id_number:
        canvas.drawString(
            left, top - 80, fit(f"{_('ID number')}: {line.id_number}", font.regular, 10, text_width)
        )
    canvas.setFont(font.bold, 18)
    canvas.drawString(left, top - 108, document.money(line.amount_minor))
    canvas.setFont(font.regular, 10)
    where_y = top - 130
    if line.payment_method == "cash":
        canvas.drawString(
            left,
            where_y,
            fit(f"{_('Collect at')}: {s.pay_point_name or s.provider_name}", font.regular, 10, text_width),
        )
        detail = ", ".join(part for part in (document.pay_point_address, document.opening_days) if part)
        if detail:
            canvas.drawString(left, where_y - 14, fit(detail, font.regular, 10, text_width))
    else:
        account = line.account or _("your registered account")
        canvas.drawString(
            left, where_y, fit(_("Paid by {provider} to {account}").format(provider=s.provider_name, account=account),
                               font.regular, 10, text_width),
        )  # fmt: skip
    draw_qr(canvas, line.transaction_number, left + SLIP_W - 2 * PAD - QR_SIDE, top - 40 - QR_SIDE, QR_SIDE)
    canvas.setFont(font.mono, 11)
    canvas.drawCentredString(
        left + SLIP_W - 2 * PAD - QR_SIDE / 2, top - 54 - QR_SIDE, line.transaction_number
    )
    canvas.setFont(font.regular, 8.5)
    canvas.drawString(left, top - SLIP_H + 2 * PAD + 6, _("Bring this slip and your ID document on pay day."))
    canvas.drawString(left, top - SLIP_H + 2 * PAD - 6, f"{s.code} · {line.position}")
