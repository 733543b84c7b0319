"""Render every screen with real data and save PNGs in docs/screenshots/ (run under Xvfb or offscreen).

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from cashdesk.demo.district import load_demo_district
from cashdesk.desk import open_desk
from cashdesk.models.security import Role
from cashdesk.scheme.create import create_scheme
from cashdesk.security import users
from cashdesk.ui.app import make_application
from cashdesk.ui.dialogs.first_run import FirstRunDialog, RecoveryKeyDialog
from cashdesk.ui.dialogs.login import LoginDialog
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.users import UserDialog

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def settle(app: QApplication, hub: OpsHub, ms: int = 300) -> None:
    for _ in range(5):
        hub.wait_idle()
        loop = QEventLoop()
        QTimer.singleShot(ms // 5, loop.quit)
        loop.exec()


def save(widget: QWidget, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(OUT / f"{name}.png"))
    print("saved", OUT / f"{name}.png")


def main() -> None:
    app = make_application([])
    folder = Path(tempfile.mkdtemp()) / "data"
    hub = OpsHub()

    first = FirstRunDialog(hub, folder)
    first.scheme.setText("Social Cash Transfer Programme")
    first.full_name.setText("Ada Mwale")
    first.show()
    settle(app, hub)
    save(first, "first-run")
    first.close()

    created = create_scheme(
        folder,
        name="Social Cash Transfer Programme",
        country="MW",
        currency="MWK",
        admin_username="admin",
        admin_password="admin-pass-1",
        admin_full_name="Ada Mwale",
    )
    key = RecoveryKeyDialog(created.recovery_key)
    key.show()
    settle(app, hub)
    save(key, "recovery-key")
    key.close()

    desk = open_desk(folder, "admin", "admin-pass-1")
    desk.run(load_demo_district, households=2000, seed=7)
    desk.run(
        users.create_user,
        desk.vault,
        username="mercy",
        full_name="Mercy Phiri",
        role=Role.ENROLMENT_OFFICER,
        password="officer-pass-1",
        location_codes=["V001", "V002"],
    )
    desk.run(
        users.create_user,
        desk.vault,
        username="john",
        full_name="John Banda",
        role=Role.SUPERVISOR,
        password="super-pass-1",
    )
    desk.close()

    login = LoginDialog(hub, folder, "admin")
    login.password.setText("wrong-pass")
    login.show()
    login._login()
    settle(app, hub)
    save(login, "login")
    login.close()

    hub.desk = open_desk(folder, "admin", "admin-pass-1")
    window = MainWindow(hub)
    window.resize(1366, 740)
    window.show()
    for key_name in ("home", "users", "audit", "settings"):
        window.show_screen(key_name)
        settle(app, hub, 600)
        if key_name == "audit":
            audit_screen = window.screens["audit"]
            audit_screen.table.selectRow(1)
            audit_screen.verify()
            settle(app, hub)
        save(window, f"main-{key_name}")
    window.show_screen("users")
    settle(app, hub)
    from cashdesk.registry.locations import list_locations

    dialog = UserDialog(
        hub, hub.desk.run(list_locations), window.screens["users"].model.rows[1], parent=window
    )
    dialog.show()
    settle(app, hub)
    save(dialog, "user-dialog")
    dialog.close()
    registry_screens(app, folder)
    window.lock()
    settle(app, hub)
    save(window, "locked")
    hub.desk.close()


def registry_screens(app: QApplication, folder: Path) -> None:
    """Households list, editor with a look-alike, import preview (as the officer); review queue (supervisor)."""
    from datetime import date

    from cashdesk.registry.household_input import HouseholdInput, IdentifierInput, MemberInput
    from cashdesk.registry.households import create_household
    from cashdesk.registry.review import scan_registry
    from cashdesk.ui.dialogs.household_editor import COL, HouseholdEditor
    from cashdesk.ui.dialogs.import_households import ImportDialog
    from cashdesk.ui.dialogs.member_documents import MemberDocumentsDialog

    def person(
        given: str, family: str, sex: str, born: date, relation: str, recipient: str | None
    ) -> MemberInput:
        return MemberInput(
            given_name=given,
            family_name=family,
            sex=sex,
            date_of_birth=born,
            relation_to_head=relation,
            recipient_role=recipient,
            identifiers=[IdentifierInput("national_id", "29011234")] if relation == "head" else [],
        )

    hub = OpsHub()
    hub.desk = open_desk(folder, "mercy", "officer-pass-1")
    window = MainWindow(hub)
    window.resize(1366, 740)
    window.show()
    hub.desk.run(
        create_household,
        HouseholdInput(
            location_code="V001",
            pay_point_code="PP01",
            members=[
                person("Chisomo", "Mkandawire", "F", date(1979, 6, 12), "head", "primary"),
                person("Blessings", "Mkandawire", "M", date(2010, 2, 1), "child", None),
            ],
        ),
    )
    window.show_screen("households")
    settle(app, hub, 600)
    window.households_screen.search.setText("mkanda")
    settle(app, hub, 600)
    save(window, "households-search")
    window.households_screen.search.setText("")
    settle(app, hub, 400)
    save(window, "households")

    editor = HouseholdEditor(hub, parent=window)
    editor.show()
    settle(app, hub)
    editor.village.setCurrentIndex(editor.village.findData("V001"))
    editor.pay_point.setCurrentIndex(editor.pay_point.findData("PP01"))
    for key, text in (
        ("given_name", "Chisomo"),
        ("family_name", "Mkandawiri"),
        ("sex", "F"),
        ("birth", "1979-12-06"),
        ("id_number", "29011243"),
    ):
        editor.grid.item(0, COL[key]).setText(text)
    editor.add_member()
    for key, text in (
        ("given_name", "Tawonga"),
        ("sex", "M"),
        ("birth", "~9"),
        ("relation_to_head", "ch"),
        ("phone", "0123"),
    ):
        editor.grid.item(1, COL[key]).setText(text)
    editor.set_documents(0, [IdentifierInput("voter_card", "VC-4471-02")])
    editor._dup_row = 0
    editor._check_duplicates()
    settle(app, hub, 800)
    save(editor, "household-editor")
    documents = MemberDocumentsDialog("Chisomo Mkandawiri", editor.extra_ids[0], editor)
    documents.show()
    documents.add_document()
    settle(app, hub, 300)
    save(documents, "member-documents")
    documents.close()
    editor.close()

    source = Path(tempfile.mkdtemp()) / "old-registry.csv"
    source.write_text(
        "HH ID,Member ID,Relation,Recipient,First name,Surname,Sex,DOB,NIN,Village,Pay point\n"
        "A1,A1-1,head,primary,Agnes,Phiri,F,1971-04-03,31000001,V001,PP01\n"
        "A1,A1-2,child,,Kondwani,Phiri,M,2014,,V001,PP01\n"
        "A2,A2-1,head,primary,James,Banda,M,31/02/1966,31000002,V002,PP01\n"
        "A3,A3-1,head,,Ruth,Zulu,F,1980-01-01,31000003,Nowhere,PP01\n"
        "A4,A4-1,head,primary,Esther,Mwale,F,1990-05-05,31000004,V003,PP01\n"
        "A4,A4-2,head,,Esther,Mwale,F,1991-05-05,,V003,PP01\n",
        encoding="utf-8",
    )
    dialog = ImportDialog(hub, parent=window)
    dialog.show()
    dialog.load_file(source)
    settle(app, hub, 1500)
    save(dialog, "import-preview")
    dialog.close()

    window.close()
    hub.desk.close()
    hub.desk = open_desk(folder, "john", "super-pass-1")
    hub.desk.run(scan_registry)
    review = MainWindow(hub)
    review.resize(1366, 740)
    review.show()
    review.show_screen("duplicates")
    settle(app, hub, 800)
    save(review, "duplicates-review")
    review.close()
    hub.desk.close()


if __name__ == "__main__":
    main()
