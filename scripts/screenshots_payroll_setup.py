"""Render the payment providers and benefit plans screens and their dialogs at 1280x720 with demo data,
and save PNGs in docs/screenshots/ (providers, provider-dialog, pay-point-dialog, plans, plan-editor,
plan-editor-individual).

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_payroll_setup.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from cashdesk.demo.district import load_demo_district
from cashdesk.desk import Desk, open_desk
from cashdesk.payroll.enrolment import enrol
from cashdesk.payroll.plans import CriterionInput, PlanInput, save_plan
from cashdesk.payroll.providers import (
    PayPointInput,
    ProviderInput,
    list_pay_points,
    save_pay_point,
    save_provider,
)
from cashdesk.scheme.create import create_scheme
from cashdesk.security import users
from cashdesk.security.permissions import Role
from cashdesk.ui.app import make_application
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from scripts.screenshots import save, settle

WIDTH, HEIGHT = 1280, 720


def _data(desk: Desk) -> None:
    """Demo district, clerks at the pay points, one contract expired, two plans with households enrolled."""
    desk.run(load_demo_district, households=600, seed=11)
    for username, name in (("grace", "Grace Chirwa"), ("peter", "Peter Banda"), ("ruth", "Ruth Phiri")):
        desk.run(
            users.create_user,
            desk.vault,
            username=username,
            full_name=name,
            role=Role.PAY_POINT_CLERK,
            password="clerk-pass-1",
        )
    today = date.today()
    desk.run(
        save_provider,
        ProviderInput(
            code="KMM",
            name="Kalulu Mobile Money",
            kind="mobile_money",
            contract_ref="SCTP/PSP/2025-03",
            contract_from=date(today.year - 1, 1, 1),
            contract_to=today + timedelta(days=300),
            contact_name="Agent desk",
            phone="+265888000100",
            email="agents@kalulu.example",
        ),
    )
    desk.run(
        save_provider,
        ProviderInput(
            code="TCB",
            name="Tiyeni Community Bank",
            kind="bank",
            contract_ref="SCTP/PSP/2023-11",
            contract_from=date(today.year - 3, 1, 1),
            contract_to=today - timedelta(days=20),
            contact_name="Branch manager",
            phone="+265999000200",
        ),
    )
    desk.run(
        save_provider,
        ProviderInput(
            code="MCA",
            name="Mudzi Cash Agents",
            kind="cash_agent",
            contact_name="Lucy Mwale",
            phone="0888 123 456",
        ),
    )
    clerks = [["grace"], ["peter", "ruth"], [], ["grace"]]
    for i, point in enumerate(p for p in desk.run(list_pay_points, provider="KMM")):
        desk.run(
            save_pay_point,
            PayPointInput(
                code=point.code,
                name=point.name,
                provider="KMM",
                village=point.village_code,
                address=point.address,
                opening_days=("mon,wed,fri", "tue,thu", "sat", "mon,tue,wed,thu,fri")[i % 4],
                clerks=clerks[i % 4],
            ),
        )
    desk.run(
        save_plan,
        PlanInput(
            code="CG-2026",
            name="Targeted child grant 2026",
            description="Households of five or more, headed by a woman, with a child under five.",
            start=date(today.year, 1, 1),
            end=date(today.year, 12, 31),
            budget_per_cycle="2,500,000",
            max_beneficiaries=400,
            conditions=[
                CriterionInput("household", "size", "gte", "5"),
                CriterionInput("head", "sex", "eq", "F"),
                CriterionInput("member", "age", "lt", "5"),
            ],
            base_amount="5000",
            cap="12000",
            top_ups=[
                CriterionInput("member", "age", "lt", "5", amount="1500", max_count=3),
                CriterionInput("member", "disability", "eq", "yes", amount="2000"),
            ],
        ),
    )
    desk.run(
        save_plan,
        PlanInput(
            code="OAP",
            name="Older persons' grant",
            target="individual",
            frequency="quarterly",
            start=date(today.year, 1, 1),
            conditions=[CriterionInput("member", "age", "gte", "65")],
            base_amount="7,500",
            top_ups=[CriterionInput("member", "disability", "eq", "yes", amount="2,500")],
        ),
    )
    desk.run(
        save_plan,
        PlanInput(
            code="FLOOD-25",
            name="Flood relief (one-off)",
            frequency="one_off",
            start=date(today.year - 1, 3, 1),
            end=date(today.year - 1, 3, 31),
            conditions=[CriterionInput("household", "village", "in", "V001,V002,V003")],
            base_amount="2000",
            amount_per="member",
            cap="10000",
        ),
    )
    desk.run(enrol, "CG-2026", on=today)
    desk.run(enrol, "OAP", on=today)


def main() -> None:
    app: QApplication = make_application([])
    folder = Path(tempfile.mkdtemp()) / "data"
    create_scheme(
        folder,
        name="Social Cash Transfer Programme",
        country="MW",
        currency="MWK",
        admin_username="admin",
        admin_password="admin-pass-1",
        admin_full_name="Ada Mwale",
    )
    desk = open_desk(folder, "admin", "admin-pass-1")
    _data(desk)
    hub = OpsHub()
    hub.desk = desk
    window = MainWindow(hub)
    window.resize(WIDTH, HEIGHT)
    window.show()

    window.show_screen("providers")
    settle(app, hub, 600)
    providers = window.screens["providers"]
    save(window, "providers")
    providers.providers.selectRow(2)  # TCB, whose contract has expired: the dialog says so
    settle(app, hub)
    dialog = providers.edit_provider()
    settle(app, hub)
    save(dialog, "provider-dialog")
    dialog.close()
    providers.providers.selectRow(0)
    settle(app, hub, 400)
    providers.points.selectRow(1)
    providers.edit_pay_point()
    settle(app, hub, 400)
    save(providers.point_dialog, "pay-point-dialog")
    providers.point_dialog.close()

    window.show_screen("plans")
    settle(app, hub, 600)
    plans = window.screens["plans"]
    plans.table.selectRow([p.code for p in plans.model.rows].index("CG-2026"))  # the one with everything
    settle(app, hub, 400)
    save(window, "plans")
    plans.open_selected()
    settle(app, hub, 400)
    save(plans.editor, "plan-editor")
    plans.editor.close()
    plans.table.selectRow([p.code for p in plans.model.rows].index("OAP"))  # a plan for individuals
    settle(app, hub, 400)
    plans.open_selected()
    settle(app, hub, 400)
    save(plans.editor, "plan-editor-individual")
    plans.editor.close()
    window.close()
    hub.wait_idle()
    desk.close()


if __name__ == "__main__":
    main()
