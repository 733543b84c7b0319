"""A Desk is an unlocked CashDesk database with a logged-in user: what every screen and command uses.

Every user action is one call to `Desk.run(service_fn, ...)`: one Session, one transaction, committed
when the service returns, rolled back if it raises. Services receive `(session, actor, ...)` and
return plain data, never live ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cashdesk.core import checkpoints
from cashdesk.core.database import translate_errors
from cashdesk.core.paths import DATABASE_FILE
from cashdesk.security import auth
from cashdesk.security.keystore import Vault
from cashdesk.security.permissions import Actor

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Desk:
    data_dir: Path
    engine: Engine
    vault: Vault
    actor: Actor
    must_change_password: bool = False
    backup_written: str | None = None
    scheme_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    def run(self, fn: Callable[Concatenate[Session, Actor, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.run_tracked(fn, *args, **kwargs)[0]

    def run_tracked(
        self, fn: Callable[Concatenate[Session, Actor, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> tuple[T, frozenset[str]]:
        """Like run(), also returning the names of the tables the call changed (to refresh screens)."""
        with translate_errors(), Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                result = fn(session, self.actor, *args, **kwargs)
                changed = frozenset(session.info.get("changed_tables", ()))
            return result, changed

    def check_password(self, password: str) -> bool:
        """For unlocking an idle-locked window: same lockout rules as logging in."""
        return auth.verify_password(self.vault, self.actor.username, password)

    def close(self) -> None:
        checkpoints.wait_for_checkpoint(self.engine)  # a large write's log being copied into the file
        self.engine.dispose()


def open_desk(data_dir: Path, username: str, password: str) -> Desk:
    """Log in offline. Raises AuthenticationError, AccountLocked, AccountInactive or DatabaseError."""
    login = auth.log_in(data_dir, username, password)
    return Desk(
        data_dir=data_dir,
        engine=login.engine,
        vault=login.vault,
        actor=login.actor,
        must_change_password=login.must_change_password,
        backup_written=login.backup_written,
        scheme_name=login.scheme_name,
    )
