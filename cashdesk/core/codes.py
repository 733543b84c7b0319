"""Issuing human-readable codes (household numbers, transaction numbers) on an offline device."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from cashdesk.core.ids import format_code
from cashdesk.models.scheme import CodeSequence, Scheme

HOUSEHOLD = "H"
PAYMENT = "P"


def reserve_codes(session: Session, kind: str, count: int) -> list[str]:
    """Reserve `count` consecutive codes of `kind` in the caller's transaction.

    If the transaction rolls back, the numbers are given back too; no code is ever issued twice.
    """
    device = session.execute(select(Scheme.device_code)).scalar_one()
    session.execute(insert(CodeSequence).values(kind=kind, next_value=1).on_conflict_do_nothing())
    first = (
        session.execute(
            update(CodeSequence)
            .where(CodeSequence.kind == kind)
            .values(next_value=CodeSequence.next_value + count)
            .returning(CodeSequence.next_value)
        ).scalar_one()
        - count
    )
    return [format_code(device, kind, first + i) for i in range(count)]
