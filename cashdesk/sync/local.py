"""Short local transactions for the sync job, which runs outside Desk.run because it talks to the
network between them: one transaction per page pulled or bundle answered, never one across a request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cashdesk.core.database import translate_errors
from cashdesk.models import Scheme


@contextmanager
def transaction(engine: Engine, *, remote: bool = True) -> Iterator[Session]:
    """One transaction; with `remote`, what it writes came from the server and is not pushed back."""
    with translate_errors(), Session(engine, expire_on_commit=False) as session:
        session.info["applying_remote"] = remote
        with session.begin():
            yield session


def minor_units(session: Session) -> int:
    return int(session.execute(select(Scheme.currency_minor_units)).scalar_one())


def device_code(session: Session) -> str:
    return str(session.execute(select(Scheme.device_code)).scalar_one())
