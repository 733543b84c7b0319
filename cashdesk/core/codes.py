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
    issuer = CodeIssuer(session, kind)
    codes = [issuer.next() for _ in range(count)]
    issuer.close()
    return codes


class CodeIssuer:
    """Codes of one kind given one at a time within the caller's transaction (which, like every CashDesk
    write, holds the database's write lock from its start): an import gives a code to each household as it
    passes the file's checks, before it knows how many will. The sequence is read once and moved on once,
    by `close`, which refuses if anything else took codes of this kind meanwhile."""

    def __init__(self, session: Session, kind: str) -> None:
        self._session = session
        self._kind = kind
        self._device = session.execute(select(Scheme.device_code)).scalar_one()
        session.execute(insert(CodeSequence).values(kind=kind, next_value=1).on_conflict_do_nothing())
        self._first: int = session.execute(
            select(CodeSequence.next_value).where(CodeSequence.kind == kind)
        ).scalar_one()
        self.issued = 0

    def next(self) -> str:
        code = format_code(self._device, self._kind, self._first + self.issued)
        self.issued += 1
        return code

    def close(self) -> None:
        """Move the sequence past the codes given; the caller's transaction keeps or undoes it with them."""
        moved = self._session.execute(
            update(CodeSequence)
            .where(CodeSequence.kind == self._kind, CodeSequence.next_value == self._first)
            .values(next_value=self._first + self.issued)
        )
        if getattr(moved, "rowcount", 0) != 1:
            raise RuntimeError(f"codes of kind {self._kind} were reserved by another writer meanwhile")
