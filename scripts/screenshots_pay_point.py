"""Render the pay point screen with real data at 1280x720 into docs/screenshots/.

The demo district's child grant payroll of one pay point, approved; a clerk of that pay point scans a
payment (pay-point.png), records it paid and scans it again (pay-point-already-paid.png).

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_pay_point.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import cast

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots_payroll import SIZE, save, scheme, settle

from cashdesk.desk import open_desk
from cashdesk.models.security import Role
from cashdesk.payroll.approval import approve_payroll
from cashdesk.payroll.day_summary import record_cash_received
from cashdesk.payroll.providers import PayPointInput, list_pay_points, save_pay_point
from cashdesk.payroll.queries import list_payrolls, payroll_lines
from cashdesk.security import users
from cashdesk.ui.app import make_application
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.pay_point import PayPointScreen


def main() -> None:
    make_application([])
    folder = Path(tempfile.mkdtemp()) / "data"
    scheme(folder)
    admin = open_desk(folder, "admin", "admin-pass-1")
    payroll = next(p for p in admin.run(list_payrolls) if p.pay_point_code)
    if payroll.status != "approved":
        john = open_desk(folder, "john", "super-pass-1")
        john.run(approve_payroll, payroll.code)
        john.close()
    admin.run(
        users.create_user,
        admin.vault,
        username="pat",
        full_name="Patricia Kalua",
        role=Role.PAY_POINT_CLERK,
        password="clerk-pass-1",
    )
    point = next(p for p in admin.run(list_pay_points) if p.code == payroll.pay_point_code)
    admin.run(
        save_pay_point,
        PayPointInput(
            code=point.code,
            name=point.name,
            provider=point.provider_code,
            village=point.village_code,
            address=point.address,
            opening_days=point.opening_days,
            clerks=[*point.clerks, "pat"],
        ),
    )
    admin.close()

    hub = OpsHub()
    hub.desk = open_desk(folder, "pat", "clerk-pass-1")
    hub.desk.run(record_cash_received, payroll_code=payroll.code, amount="150,000")  # the morning's float
    number = hub.desk.run(payroll_lines, payroll.code)[3].transaction_number
    window = MainWindow(hub)
    window.resize(*SIZE)
    window.show()
    window.show_screen("paypoint")
    settle(hub)
    screen = cast(PayPointScreen, window.screens["paypoint"])
    screen.search.setText(number.replace("-", ""))
    screen.find()
    settle(hub, 600)
    save(window, "pay-point")
    screen.record_paid()
    settle(hub, 600)
    screen.search.setText(number)
    screen.find()
    settle(hub, 600)
    save(window, "pay-point-already-paid")
    window.close()
    settle(hub)
    hub.desk.close()


if __name__ == "__main__":
    main()
