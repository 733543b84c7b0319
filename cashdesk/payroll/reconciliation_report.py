"""The reconciliation report of a payroll: totals due, paid, unpaid by reason, exceptions by category, per
pay point, and the list of exceptions; as a PDF to file and sign, or an XLSX workbook to work in.

Before the payroll is closed the figures are what closing would record (the outcomes so far; lines still
waiting for a decision are shown as open); after, they are the payment events closing wrote.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.core.tabular import TableWriter
from cashdesk.models import PaymentEvent, PaymentLine, PayPoint, Payroll, Scheme
from cashdesk.models.payments import (
    NonPaymentReasonChoice,
    PaymentEventKind,
    PayrollStatus,
    ReconciliationCategory,
    ReconciliationOutcome,
    ReconciliationRow,
)
from cashdesk.payroll import reconciliation as rec
from cashdesk.payroll.money import format_amount
from cashdesk.payroll.pdf import PAGE, fit, fonts, pdf_file
from cashdesk.payroll.queries import payroll_by_code
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

Count = tuple[int, int]  # payments, amount in minor units


@dataclass(frozen=True)
class PayPointTotals:
    name: str
    due: Count
    paid: Count
    unpaid: Count
    open: Count


@dataclass(frozen=True)
class ReconciliationReport:
    payroll_code: str
    status: str
    currency: str
    minor_units: int
    due: Count
    paid: Count  # at the amounts actually paid
    unpaid: list[tuple[str, int, int]]  # reason, payments, amount due
    open: Count
    categories: list[tuple[str, int]]  # category label, lines
    pay_points: list[PayPointTotals]
    exceptions: list[rec.OutcomeRow]

    def money(self, minor: int | None) -> str:
        return (
            ""
            if minor is None
            else format_amount(minor, minor_units=self.minor_units, currency=self.currency)
        )


def _results(session: Session, payroll: Payroll) -> dict[object, tuple[str, int, str]]:
    """line id -> ("paid" | "not_paid" | "open", amount, reason code) for every line."""
    if payroll.status == PayrollStatus.RECONCILED:
        events = session.execute(
            select(PaymentEvent.id, PaymentEvent.line_id, PaymentEvent.kind, PaymentEvent.reverses_id,
                   PaymentEvent.amount_minor, PaymentEvent.reason)
            .join(PaymentLine, PaymentLine.id == PaymentEvent.line_id)
            .where(PaymentLine.payroll_id == payroll.id)
            .order_by(PaymentEvent.occurred_at, PaymentEvent.id)
        ).all()  # fmt: skip
        undone = {e.reverses_id for e in events if e.kind == PaymentEventKind.REVERSAL}
        return {
            e.line_id: (e.kind.value, e.amount_minor, e.reason or "")
            for e in events
            if e.kind != PaymentEventKind.REVERSAL and e.id not in undone
        }
    in_force = _clerk_reasons(session, payroll)
    results: dict[object, tuple[str, int, str]] = {}
    for outcome, line, row in session.execute(
        select(ReconciliationOutcome, PaymentLine, ReconciliationRow)
        .join(PaymentLine, PaymentLine.id == ReconciliationOutcome.line_id)
        .outerjoin(ReconciliationRow, ReconciliationRow.id == ReconciliationOutcome.row_id)
        .where(ReconciliationOutcome.payroll_id == payroll.id, ReconciliationOutcome.deleted_at.is_(None))
    ):
        result = rec.final(outcome.category, outcome.decision, outcome.note, line, row)
        if result is None:
            results[line.id] = ("open", line.amount_minor, "")
        elif result.kind == "keep":
            results[line.id] = (line.status.value, line.amount_minor, in_force.get(line.id, ""))
        else:
            amount = result.amount_minor if result.kind == "paid" else line.amount_minor
            results[line.id] = (result.kind, amount, result.reason)
    return results


def _clerk_reasons(session: Session, payroll: Payroll) -> dict[object, str]:
    """line id -> the reason of the latest not-paid event a clerk recorded (reversed or not: the line's
    status says whether it stands)."""
    rows = session.execute(
        select(PaymentEvent.line_id, PaymentEvent.reason)
        .join(PaymentLine, PaymentLine.id == PaymentEvent.line_id)
        .where(PaymentLine.payroll_id == payroll.id, PaymentEvent.kind == PaymentEventKind.NOT_PAID)
        .order_by(PaymentEvent.occurred_at)
    )
    return {line_id: reason or "" for line_id, reason in rows}


def reconciliation_report(session: Session, actor: Actor, *, payroll_code: str) -> ReconciliationReport:
    actor.require(Permission.RECONCILE_PAYROLLS)
    payroll = payroll_by_code(session, payroll_code)
    if payroll.status not in (PayrollStatus.APPROVED, PayrollStatus.RECONCILED):
        raise ValidationError(_("Payroll {code} is not approved: there is nothing to reconcile.").format(code=payroll.code))  # fmt: skip
    results = _results(session, payroll)
    labels = {r.code: r.label for r in session.scalars(select(NonPaymentReasonChoice))}
    lines = session.execute(
        select(PaymentLine.id, PaymentLine.amount_minor, PayPoint.name)
        .outerjoin(PayPoint, PayPoint.id == PaymentLine.pay_point_id)
        .where(PaymentLine.payroll_id == payroll.id, PaymentLine.status != "cancelled")
    ).all()
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    unpaid: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line_id, due, point in lines:
        kind, amount, reason = results.get(line_id, ("open", due, ""))
        if kind == "pending":
            kind = "open"
        for scope in ("", point or _("(no pay point)")):
            totals[scope]["due_n"] += 1
            totals[scope]["due"] += due
            totals[scope][f"{kind}_n"] += 1
            totals[scope][kind] += amount if kind == "paid" else due
        if kind == "not_paid":
            entry = unpaid[labels.get(reason, reason or _("no reason given"))]
            entry[0] += 1
            entry[1] += due
    whole = totals.pop("")
    counts = Counter(
        session.scalars(
            select(ReconciliationOutcome.category).where(
                ReconciliationOutcome.payroll_id == payroll.id, ReconciliationOutcome.deleted_at.is_(None)
            )
        )
    )
    return ReconciliationReport(
        payroll_code=payroll.code, status=payroll.status.value, currency=payroll.currency,
        minor_units=session.execute(select(Scheme.currency_minor_units)).scalar_one(),
        due=(whole["due_n"], whole["due"]), paid=(whole["paid_n"], whole["paid"]),
        unpaid=sorted(((label, n, total) for label, (n, total) in unpaid.items()), key=lambda u: -u[1]),
        open=(whole["open_n"], whole["open"]),
        categories=[(rec.CATEGORY_LABELS[c], counts[c]) for c in ReconciliationCategory if counts[c]],
        pay_points=[
            PayPointTotals(name, (t["due_n"], t["due"]), (t["paid_n"], t["paid"]), (t["not_paid_n"], t["not_paid"]),
                           (t["open_n"], t["open"]))
            for name, t in sorted(totals.items())
        ],
        exceptions=rec.outcomes(session, actor, payroll_code=payroll.code, exceptions_only=True, limit=None),
    )  # fmt: skip


def write_report(
    session: Session,
    actor: Actor,
    *,
    payroll_code: str,
    out: Path,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> ReconciliationReport:
    """The report to `out` (.pdf or .xlsx); recorded in the audit trail."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise ValidationError(_("{file}: write the report to a .pdf or .xlsx file.").format(file=out.name), field="report")  # fmt: skip
    progress(0.1, _("Adding up payroll {code}").format(code=payroll_code))
    report = reconciliation_report(session, actor, payroll_code=payroll_code)
    check_abort(abort or never_abort())
    progress(0.6, _("Writing {file}").format(file=out.name))
    if suffix == ".pdf":
        _pdf(report, out)
    else:
        _xlsx(report, out)
    audit.record(
        session, actor, action="payroll.reconciliation_report", entity_type="payroll", entity_id=None,
        summary=_("{code}: reconciliation report written to {path}").format(code=report.payroll_code, path=out.name),
    )  # fmt: skip
    return report


def _summary_rows(report: ReconciliationReport) -> list[tuple[str, str, str]]:
    m = report.money
    return [
        (_("Due"), f"{report.due[0]:,}", m(report.due[1])),
        (_("Paid"), f"{report.paid[0]:,}", m(report.paid[1])),
        *[(_("Not paid: {reason}").format(reason=label), f"{n:,}", m(total)) for label, n, total in report.unpaid],
        (_("Waiting for a decision"), f"{report.open[0]:,}", m(report.open[1])),
    ]  # fmt: skip


def _pdf(report: ReconciliationReport, out: Path) -> None:
    font = fonts()
    height = PAGE[1]
    title = _("Reconciliation of payroll {code} ({status})").format(
        code=report.payroll_code, status=report.status.replace("_", " ")
    )
    with pdf_file(out, title=title, author="CashDesk") as canvas:
        y = height - 50

        def line(text: str, *cells: str, bold: bool = False, size: float = 10) -> None:
            nonlocal y
            if y < 60:
                canvas.showPage()
                y = height - 50
            canvas.setFont(font.bold if bold else font.regular, size)
            canvas.drawString(
                50, y, fit(text, font.bold if bold else font.regular, size, 330 if cells else 740)
            )
            for x, cell in zip((470, 560, 700, 790), cells, strict=False):
                canvas.drawRightString(x, y, fit(cell, font.regular, size, 140))
            y -= size + 6

        line(title, bold=True, size=15)
        line(_("Printed {at}").format(at=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")))
        y -= 8
        line(_("Totals"), _("payments"), _("amount"), bold=True)
        for label, n, amount in _summary_rows(report):
            line(label, n, amount)
        y -= 8
        line(_("Lines by category"), _("lines"), bold=True)
        for category, lines_in in report.categories:
            line(category, f"{lines_in:,}")
        y -= 8
        line(_("Per pay point"), _("due"), _("paid"), _("not paid"), _("waiting"), bold=True)
        for point in report.pay_points:
            line(
                point.name,
                f"{point.due[0]:,}",
                f"{point.paid[0]:,}",
                f"{point.unpaid[0]:,}",
                f"{point.open[0]:,}",
            )
        y -= 8
        line(
            _("Exceptions ({n:,})").format(n=len(report.exceptions)),
            _("due"),
            _("provider"),
            _("decision"),
            bold=True,
        )
        for row in report.exceptions:
            line(
                f"{row.transaction_number}  {row.household_code}  {row.recipient_name} · {row.category_label}",
                report.money(row.due_minor), report.money(row.provider_amount_minor),
                (row.decision or "").replace("_", " "),
                size=8,
            )  # fmt: skip
        canvas.showPage()


def _xlsx(report: ReconciliationReport, out: Path) -> None:
    with TableWriter(
        out, [_("item"), _("payments"), _("amount")], sheet=_("summary"), field="report"
    ) as table:
        for label, n, amount in _summary_rows(report):
            table.write([label, int(n.replace(",", "")), amount])
        for category, lines_in in report.categories:
            table.write([category, lines_in, None])
        table.new_sheet(_("pay points"), [_("pay point"), _("due"), _("due amount"), _("paid"), _("paid amount"),
                                          _("not paid"), _("waiting")])  # fmt: skip
        for p in report.pay_points:
            table.write([p.name, p.due[0], report.money(p.due[1]), p.paid[0], report.money(p.paid[1]), p.unpaid[0], p.open[0]])  # fmt: skip
        table.new_sheet(
            _("exceptions"),
            [_("category"), _("transaction_number"), _("household_code"), _("recipient_name"), _("pay_point"),
             _("due"), _("provider_amount"), _("provider_status"), _("provider_reason"), _("provider_transaction_id"),
             _("completed_at"), _("decision"), _("note"), _("decided_by")],
        )  # fmt: skip
        units = report.minor_units
        for r in report.exceptions:
            table.write([
                r.category_label, r.transaction_number, r.household_code, r.recipient_name, r.pay_point,
                _major(r.due_minor, units), _major(r.provider_amount_minor, units), r.provider_status,
                r.provider_reason, r.provider_transaction_id, _local(r.completed_at), (r.decision or "").replace("_", " "),
                r.note, r.decided_by,
            ])  # fmt: skip


def _major(minor: int | None, units: int) -> Decimal | None:
    return None if minor is None else Decimal(minor).scaleb(-units)


def _local(moment: datetime | None) -> datetime | None:
    """Spreadsheets hold no time zones: the laptop's own time, as people read it."""
    return None if moment is None else moment.astimezone().replace(tzinfo=None)
