from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cashdesk.desk import Desk
from cashdesk.security import audit


def test_chain_is_intact_after_normal_work(admin: Desk) -> None:
    report = admin.run(audit.verify_chain)
    assert report.intact and report.checked >= 8


def test_entries_cannot_be_updated_or_deleted(admin: Desk) -> None:
    with pytest.raises(IntegrityError, match="append-only"), admin.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET summary = 'x' WHERE seq = 2"))
    with pytest.raises(IntegrityError, match="append-only"), admin.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 2"))


def _tamper(desk: Desk, statement: str) -> None:
    # Someone with the key and a SQL shell drops the trigger first.
    with desk.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
        conn.execute(text(statement))


def test_changed_entry_is_reported_as_the_first_broken_link(admin: Desk) -> None:
    _tamper(admin, 'UPDATE audit_entries SET after = \'{"role": "administrator"}\' WHERE seq = 3')
    report = admin.run(audit.verify_chain)
    assert report.first_broken_seq == 3
    assert "changed" in report.reason


def test_removed_entry_is_reported(admin: Desk) -> None:
    _tamper(admin, "DELETE FROM audit_entries WHERE seq = 4")
    report = admin.run(audit.verify_chain)
    assert report.first_broken_seq == 4
    assert "missing" in report.reason


def test_filtering_by_user_action_and_record(admin: Desk) -> None:
    created = admin.run(audit.list_entries, audit.AuditFilter(action="user.created"))
    assert {row.summary for row in created} >= {"sue", "olive", "carl"}
    olive = next(row for row in created if row.summary == "olive")
    assert olive.after is not None and olive.after["role"] == "enrolment_officer"
    assert olive.after["locations"] == ["V001"]
    by_record = admin.run(audit.list_entries, audit.AuditFilter(entity_id=olive.entity_id))
    assert [row.action for row in by_record] == ["user.created"]
    assert admin.run(audit.count_entries, audit.AuditFilter(username="nobody")) == 0
