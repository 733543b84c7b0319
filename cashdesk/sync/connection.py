"""Talking to the central server over HTTP: logging in, reading pages, sending bundles.

Every failure becomes one of four errors whose message a non-technical user understands and whose
`kind` the status bar shows: offline (no connection, a timeout), login (the token expired or was
refused), server (the server failed: 5xx, or an answer that is not FHIR), refused (the server said no to
what was sent: 400, 403, 409, 412; `entry` is the bundle entry it named, when it did).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from cashdesk.core.errors import CashDeskError
from cashdesk.core.i18n import _
from cashdesk.sync.mapping import dumps, loads

CONNECT_SECONDS = 5
READ_SECONDS = 120  # a first pull's pages and a large bundle take a while on a slow line
FHIR_JSON = "application/fhir+json"


class SyncError(CashDeskError):
    kind = "server"


class Offline(SyncError):
    kind = "offline"


class LoginNeeded(SyncError):
    kind = "login"


class ServerFailed(SyncError):
    kind = "server"


class Refused(SyncError):
    kind = "refused"

    def __init__(self, message: str, *, status: int, entry: int | None = None) -> None:
        super().__init__(message)
        self.status, self.entry = status, entry


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    server_time: datetime | None  # from the Date header: the server's clock, which dates everything


_ENTRY = re.compile(r"^Entry (\d+) ")


@dataclass(frozen=True)
class Account:
    """The server account a login was for: its role and the location paths it works in."""

    role: str
    locations: tuple[str, ...]


class ServerConnection:
    """One server, one token. Not thread-safe: one sync at a time uses it."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.server_time: datetime | None = None  # by the last answer's Date header
        self.answered_at: datetime | None = None  # the laptop's clock then
        self.account: Account | None = None  # once logged in
        self.http = requests.Session()
        self.http.headers["Accept"] = FHIR_JSON
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.http.close()

    def log_in(self, *, username: str, password: str, device: str) -> tuple[str, int]:
        """A token and its lifetime in seconds."""
        try:
            answer = self.http.post(
                f"{self.url}/auth/token",
                data={"username": username, "password": password, "device": device},
                timeout=(CONNECT_SECONDS, READ_SECONDS),
            )
        except requests.RequestException as exc:
            raise _offline(self.url, exc) from None
        if answer.status_code == 200:
            body = answer.json()
            self.account = Account(str(body.get("role", "")), tuple(body.get("locations") or ()))
            self.http.headers["Authorization"] = f"Bearer {body['access_token']}"
            return str(body["access_token"]), int(body.get("expires_in", 0))
        try:
            reason = str(answer.json().get("error_description", ""))
        except ValueError:
            reason = ""
        if answer.status_code == 401:
            raise LoginNeeded(reason or _("Wrong user name or password."))
        if answer.status_code == 403:
            raise Refused(reason or _("The server refused this device."), status=403)
        raise ServerFailed(
            _("The server could not log you in (HTTP {status}).").format(status=answer.status_code)
        )

    def get(self, path_or_url: str, params: dict[str, str] | None = None) -> Answer:
        url = path_or_url if path_or_url.startswith("http") else f"{self.url}/{path_or_url.lstrip('/')}"
        return self._send("GET", url, params=params)

    def transaction(self, bundle_text: str) -> Answer:
        return self._send("POST", f"{self.url}/", data=bundle_text.encode("utf-8"))

    def put(self, path: str, resource_text: str, *, if_match: str | None = None) -> Answer:
        """One resource written at `path`; with `if_match`, only over that version (else 412)."""
        headers = {"If-Match": f'W/"{if_match}"'} if if_match else {}
        return self._send("PUT", f"{self.url}/{path}", data=resource_text.encode("utf-8"), headers=headers)

    def _send(self, method: str, url: str, *, headers: dict[str, str] | None = None, **how: Any) -> Answer:
        try:
            answer = self.http.request(
                method,
                url,
                headers={"Content-Type": FHIR_JSON, **(headers or {})},
                timeout=(CONNECT_SECONDS, READ_SECONDS),
                **how,
            )
        except requests.RequestException as exc:
            raise _offline(self.url, exc) from None
        server_time = _date_header(answer.headers.get("Date"))
        if server_time is not None:
            self.server_time, self.answered_at = server_time, datetime.now(UTC)
        try:
            body = loads(answer.content) if answer.content else {}
        except ValueError:
            body = {}
        if answer.status_code < 300:
            if answer.content and body.get("resourceType") is None:
                raise ServerFailed(_("The server answered something that is not FHIR: {url}").format(url=url))
            return Answer(answer.status_code, body, server_time)
        reason = _diagnostics(body) or answer.reason or ""
        if answer.status_code == 401:
            raise LoginNeeded(_("Login to the server expired: log in again."))
        if answer.status_code >= 500:
            raise ServerFailed(
                _("The server failed (HTTP {status}); it will be tried again. {reason}")
                .format(status=answer.status_code, reason=reason)
                .strip()
            )
        found = _ENTRY.match(reason)
        raise Refused(reason, status=answer.status_code, entry=int(found.group(1)) if found else None)


def _offline(url: str, exc: requests.RequestException) -> Offline:
    if isinstance(exc, requests.Timeout):
        return Offline(_("The server did not answer in time: the connection is too slow or down."))
    return Offline(_("Cannot reach the server: no connection ({url}).").format(url=url))


def _diagnostics(body: dict[str, Any]) -> str:
    issues = body.get("issue") or []
    return "; ".join(str(i.get("diagnostics", "")) for i in issues if isinstance(i, dict)).strip()


def _date_header(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def bundle_text(bundle: dict[str, Any]) -> str:
    return dumps(bundle)
