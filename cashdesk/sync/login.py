"""Logging this device in to the central server: the address, the server user, and a token kept in the
keyring or the encrypted database (cashdesk.sync.credentials). The password itself is never kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from cashdesk.core.errors import PermissionDenied, ValidationError
from cashdesk.core.i18n import _
from cashdesk.desk import Desk
from cashdesk.models import SyncServer
from cashdesk.security.permissions import Permission, refusal
from cashdesk.sync import credentials, local
from cashdesk.sync.connection import ServerConnection


@dataclass(frozen=True)
class ServerLogin:
    url: str
    username: str
    device: str
    expires_at: datetime
    in_keyring: bool


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(
            _("{url} is not a server address such as https://sync.example.org/ .").format(url=url),
            field="url",
        )
    return url.strip().rstrip("/")


def log_in_to_server(desk: Desk, *, url: str, username: str, password: str) -> ServerLogin:
    desk.actor.require(Permission.SYNC)
    address = check_url(url)
    with local.transaction(desk.engine, remote=False) as session:
        config = session.get(SyncServer, 1)
        device = local.device_code(session)
    if config is not None and config.url != address and not desk.actor.can(Permission.MANAGE_SETTINGS):
        raise PermissionDenied(
            _("This device syncs with {old}. {why}").format(
                old=config.url, why=refusal(desk.actor.role, Permission.MANAGE_SETTINGS)
            )
        )
    server = ServerConnection(address)
    try:
        token, seconds = server.log_in(username=username.strip(), password=password, device=device)
    finally:
        server.close()
    expires = datetime.now(UTC) + timedelta(seconds=seconds)
    in_keyring = credentials.save_token(address, username.strip(), token, device=device)
    with local.transaction(desk.engine, remote=False) as session:
        config = session.get(SyncServer, 1)
        if config is None:
            config = SyncServer(id=1, url=address, username=username.strip())
            session.add(config)
        if config.url != address or config.username != username.strip():
            credentials.forget_token(config.url, config.username, device=device)
        config.url, config.username = address, username.strip()
        config.token = None if in_keyring else token
        config.token_in_keyring = in_keyring
        config.token_expires_at = expires
        config.last_error, config.last_error_kind = "", ""
    return ServerLogin(address, username.strip(), device, expires, in_keyring)
