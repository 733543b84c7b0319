"""The provider's payment file: an approved payroll as the CSV or XLSX a mobile money operator or a bank
takes for a bulk payment (one row per payment: transaction number, recipient, phone or account, amount,
currency, reference, and empty columns for the answer: paid, amount paid, receipt number, paid on,
not paid reason). Written through core.tabular's TableWriter, so no name becomes a live formula and
the amount stays a number.

Mobile numbers go out as the MSISDN bulk-payment systems expect: the international number in digits,
without its "+" (which a spreadsheet would also read as the start of a formula)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.core.tabular import TableWriter, check_table_path
from cashdesk.payroll.printing import Printed, lines, record_release, released
from cashdesk.security.permissions import Actor

COLUMNS = (
    "transaction_number",
    "recipient_name",
    "phone_or_account",
    "amount",
    "currency",
    "reference",
    "household_code",
    "id_number",
    # Left empty, for the pay point or the provider to fill in and send back: the `cashdesk` profile of
    # cashdesk.payroll.result_file reads the file so completed, as openIMIS reconciles offline.
    "paid",
    "amount_paid",
    "receipt_number",
    "paid_on",
    "not_paid_reason",
)


def export_payment_file(
    session: Session,
    actor: Actor,
    code: str,
    out: Path,
    *,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> Printed:
    """Write approved payroll `code` to `out` (.csv or .xlsx); recorded in the audit trail."""
    abort = abort or never_abort()
    check_table_path(out)
    document = released(session, actor, code, now=datetime.now(UTC))
    s = document.summary
    record_release(session, actor, document, action="payroll.exported", what=_("payment file"), path=out)
    with TableWriter(out, COLUMNS, sheet="payments") as table:
        for line in lines(session, s.id):
            table.write(
                [
                    line.transaction_number,
                    line.recipient_name,
                    _msisdn(line.account) if line.payment_method == "mobile_money" else line.account,
                    Decimal(line.amount_minor).scaleb(-s.minor_units),
                    s.currency,
                    s.code,
                    line.household_code,
                    line.id_number,
                    *_TO_FILL_IN,
                ]
            )
            if table.rows % 5000 == 0:
                check_abort(abort)
                progress(table.rows / max(1, s.line_count), _("{n:,} payments written").format(n=table.rows))
    progress(1.0, _("{n:,} payments written").format(n=table.rows))
    return Printed(out, 0, table.rows, s.total_minor)


_TO_FILL_IN = ("",) * 5


def _msisdn(phone: str) -> str:
    return phone.removeprefix("+")
