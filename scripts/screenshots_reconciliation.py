"""Render the reconciliation screen with real data at 1280x720 into docs/screenshots/.

The demo district's pay point payroll, approved; the provider sends back a result file with every category
in it. John imports it, checking its columns first (reconciliation-columns.png; reconciliation.png: the lines needing a decision), decides them, and Grace, who did
not import it, closes the payroll (reconciliation-closed.png: every exception with its decision).

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_reconciliation.py
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from pathlib import Path
from typing import cast

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots_payroll import SIZE, save, scheme, settle

from cashdesk.desk import open_desk
from cashdesk.payroll.approval import approve_payroll
from cashdesk.payroll.numbers import format_number
from cashdesk.payroll.queries import list_payrolls, payroll_lines
from cashdesk.payroll.reconciliation import decide
from cashdesk.ui.app import make_application
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.reconciliation import ReconciliationScreen

FAILED = ("Account not registered", "Recipient did not come", "Agent out of float")


def result_file(path: Path, lines: list[tuple[str, int]]) -> None:
    """What the provider sends back: mostly paid as due, and one or more lines of every other kind."""
    rows = []
    for n, (txn, amount) in enumerate(lines):
        major = f"{amount / 100:,.2f}"
        at = f"{14 + n % 3:02d}/03/2026 {8 + n % 9:02d}:{n % 60:02d}"
        if n in (3, 17, 41):
            rows.append([txn, "FAILED", major, "", FAILED[n % 3], at])
        elif n in (8, 29):
            rows.append([txn, "SUCCESS", f"{(amount - 50000) / 100:,.2f}", f"AG{n:06d}", "", at])
        elif n in (12, 13):
            rows.append([txn, "SUCCESS", major, "AG000012", "", at])  # one receipt on two payments
        elif n == 20:
            rows.append([txn, "SUCCESS", major, f"AG{n:06d}", "", at])
            rows.append([txn, "SUCCESS", major, f"AG{n:06d}B", "", at])  # paid twice
        elif n in (5, 33):
            continue  # not in the file
        else:
            rows.append([txn, "SUCCESS", major, f"AG{n:06d}", "", at])
    rows.append([format_number("QQ7Z", 4411), "SUCCESS", "5,000.00", "AG999999", "", "15/03/2026 10:00"])
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["Transaction number", "Status", "Amount", "Provider reference", "Reason", "Completed at"]
        )
        writer.writerows(rows)


def window_as(folder: Path, username: str) -> tuple[OpsHub, MainWindow, ReconciliationScreen]:
    hub = OpsHub()
    hub.desk = open_desk(folder, username, "super-pass-1")
    window = MainWindow(hub)
    window.resize(*SIZE)
    window.show()
    window.show_screen("reconcile")
    settle(hub)
    return hub, window, cast(ReconciliationScreen, window.screens["reconcile"])


def main() -> None:
    make_application([])
    folder = Path(tempfile.mkdtemp()) / "data"
    scheme(folder)
    john = open_desk(folder, "john", "super-pass-1")
    payroll = next(p for p in john.run(list_payrolls) if p.pay_point_code)
    if payroll.status != "approved":
        john.run(approve_payroll, payroll.code)
    lines = [
        (line.transaction_number, line.amount_minor)
        for line in john.run(payroll_lines, payroll.code, limit=10**6)
    ]
    john.close()
    path = folder.parent / f"{payroll.code}-results.csv"
    result_file(path, lines)

    hub, window, screen = window_as(folder, "john")
    screen.payroll.setCurrentIndex(screen.payroll.findData(payroll.code))
    settle(hub)
    screen.import_file(path, check_columns=True)  # as from the window: the columns shown first
    settle(hub, 600)
    assert screen.columns_dialog is not None
    save(screen.columns_dialog, "reconciliation-columns")
    screen.columns_dialog.accept()
    settle(hub, 1200)
    save(window, "reconciliation")
    open_ones = [r.transaction_number for r in screen.rows.rows]
    unknown = [r.transaction_number for r in screen.rows.rows if r.category == "unknown"]
    hub.desk.run(
        decide, payroll_code=payroll.code, transaction_numbers=unknown, decision="flag", note="ask the agent"
    )
    hub.desk.run(decide, payroll_code=payroll.code, transaction_numbers=unknown, decision="accept",
                 note="agent's test payment, refunded")  # fmt: skip
    rest = [n for n in open_ones if n not in unknown]
    hub.desk.run(decide, payroll_code=payroll.code, transaction_numbers=rest[:4], decision="accept")
    hub.desk.run(decide, payroll_code=payroll.code, transaction_numbers=rest[4:], decision="mark_unpaid",
                 note="not confirmed by the provider")  # fmt: skip
    window.close()
    settle(hub)
    hub.desk.close()

    hub, window, screen = window_as(folder, "grace")
    screen.payroll.setCurrentIndex(screen.payroll.findData(payroll.code))
    settle(hub)
    screen.close_payroll()
    settle(hub, 800)
    screen.show_filter.setCurrentIndex(screen.show_filter.findData("exceptions"))
    settle(hub, 800)
    save(window, "reconciliation-closed")
    window.close()
    settle(hub)
    hub.desk.close()


if __name__ == "__main__":
    main()
