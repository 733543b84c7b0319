"""The HTTP face of the central server: a Starlette application served by uvicorn.

One database transaction per request, run in Starlette's thread pool so that a slow database never
stalls the event loop. Answers are FHIR JSON; every error is an OperationOutcome with the status that
fits (401 with WWW-Authenticate when the token is missing or expired).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Connection, Engine, create_engine, event, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cashdesk.central import accounts, store
from cashdesk.central.accounts import Caller
from cashdesk.central.capability import capability_statement
from cashdesk.central.schema import add_missing_columns, metadata
from cashdesk.central.store import FhirError, outcome
from cashdesk.core.errors import CashDeskError, PermissionDenied
from cashdesk.sync.mapping import dumps, loads

FHIR_JSON = "application/fhir+json"
SCHEMA_LOCK = 7_340_418  # PostgreSQL advisory lock key while the tables are made (store.WRITE_LOCK + 1)
Handler = Callable[..., Response]


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")  # decimals exact (cashdesk.sync.mapping.wire)


def open_database(url: str) -> Engine:
    """The server's engine, its tables made if new. SQLite: WAL, and each transaction takes the write
    lock when it begins, so that two requests never deadlock upgrading a read lock."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"isolation_level": None, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi: Any, _record: Any) -> None:
            dbapi.execute("PRAGMA journal_mode=WAL")
            dbapi.execute("PRAGMA busy_timeout=30000")
            dbapi.execute("PRAGMA synchronous=FULL")

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        with engine.begin() as conn:
            metadata.create_all(conn)
            add_missing_columns(conn)
        return engine
    # force_custom_plan: psycopg prepares a statement after 5 uses and PostgreSQL keeps the plan it made
    # while the tables were empty (whole-table scans) until autovacuum's first ANALYZE, a minute or more
    # later; bundles got 4x slower meanwhile (docs/benchmarks.md, "Central server").
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1),
        pool_pre_ping=True,
        connect_args={"options": "-c plan_cache_mode=force_custom_plan"},
    )
    with engine.begin() as conn:  # two processes starting at once on a new database: one makes the tables
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        metadata.create_all(conn)
        add_missing_columns(conn)
    return engine


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _params(request: Request) -> dict[str, str]:
    return dict(request.query_params.items())


def _caller(request: Request, conn: Connection) -> Caller:
    scheme, _space, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise accounts.LoginFailed("Log in first: POST /auth/token, then send Authorization: Bearer <token>.")
    return accounts.caller_for(conn, token.strip())


async def _json_body(request: Request) -> Any:
    try:
        return loads(await request.body())
    except ValueError:
        raise FhirError(400, "structure", "The body is not JSON.") from None


def _error(exc: Exception) -> Response:
    if isinstance(exc, FhirError):
        return FhirResponse(outcome(exc.code, exc.message), status_code=exc.status)
    if isinstance(exc, accounts.LoginFailed):
        return FhirResponse(
            outcome("login", exc.message), status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    assert isinstance(exc, PermissionDenied)
    return FhirResponse(outcome("forbidden", exc.message), status_code=403)


def fhir_endpoint(engine: Engine, handler: Handler, *, writes: bool = False, body: bool = False) -> Any:
    """An endpoint running `handler(request, conn, caller[, body])` in one transaction."""

    def in_transaction(request: Request, payload: Any) -> Response:
        try:
            if writes and payload is not None:
                with engine.begin() as conn:
                    _caller(request, conn)  # no validation work for a request without a valid login
            with store.validated_beforehand(payload if writes else None), engine.begin() as conn:
                if writes:
                    store.lock_for_writing(conn)
                who = _caller(request, conn)
                return handler(request, conn, who, payload) if body else handler(request, conn, who)
        except (FhirError, accounts.LoginFailed, PermissionDenied) as exc:
            return _error(exc)

    async def endpoint(request: Request) -> Response:
        try:
            payload = await _json_body(request) if body else None
        except FhirError as exc:
            return _error(exc)
        return await run_in_threadpool(in_transaction, request, payload)

    return endpoint


def _one(stored: store.Stored, status: int = 200) -> Response:
    headers = {
        "ETag": stored.etag,
        "Last-Modified": stored.last_updated,
        "Location": f"{stored.type}/{stored.id}/_history/{stored.version_id}",
    }
    return FhirResponse(stored.content, status_code=status, headers=headers)


# --- handlers: (request, conn, caller[, body]) -> Response ---------------------------------------------


def read(request: Request, conn: Connection, who: Caller) -> Response:
    p = request.path_params
    return _one(store.read(conn, who, p["type"], p["id"]))


def vread(request: Request, conn: Connection, who: Caller) -> Response:
    p = request.path_params
    return _one(store.vread(conn, who, p["type"], p["id"], p["vid"]))


def search(request: Request, conn: Connection, who: Caller) -> Response:
    return FhirResponse(
        store.search(conn, who, request.path_params["type"], _params(request), _base(request))
    )


def history(request: Request, conn: Connection, who: Caller) -> Response:
    """System-, type- or instance-level, by which path parameters the route has."""
    p = request.path_params
    return FhirResponse(
        store.history(conn, who, _params(request), _base(request), type_=p.get("type"), id_=p.get("id"))
    )


def update(request: Request, conn: Connection, who: Caller, body: Any) -> Response:
    p = request.path_params
    status, stored = store.put(conn, who, p["type"], p["id"], body, if_match=request.headers.get("if-match"))
    return _one(stored, status)


def create(request: Request, conn: Connection, who: Caller, body: Any) -> Response:
    status, stored = store.create(conn, who, request.path_params["type"], body)
    return _one(stored, status)


def delete(request: Request, conn: Connection, who: Caller) -> Response:
    p = request.path_params
    gone = store.remove(conn, who, p["type"], p["id"], if_match=request.headers.get("if-match"))
    return Response(status_code=204, headers={"ETag": gone.etag} if gone else {})


def transaction(request: Request, conn: Connection, who: Caller, body: Any) -> Response:
    status, answer = store.transaction(conn, who, body, _base(request))
    return FhirResponse(answer, status_code=status)


def token_endpoint(engine: Engine) -> Any:
    """POST /auth/token with username, password and device (a form or JSON): an OAuth-style answer."""

    def issue(form: Any) -> Response:
        try:
            with engine.begin() as conn:
                issued, seconds = accounts.log_in(
                    conn,
                    username=str(form.get("username", "")),
                    password=str(form.get("password", "")),
                    device=str(form.get("device", "")),
                )
                caller = accounts.caller_for(conn, issued)
        except accounts.LoginFailed as exc:
            return JSONResponse({"error": "invalid_grant", "error_description": exc.message}, status_code=401)
        except CashDeskError as exc:
            return JSONResponse(
                {"error": "unauthorized_client", "error_description": exc.message}, status_code=403
            )
        # The account's role and places too: a laptop joining the scheme makes its local account from them.
        return JSONResponse(
            {
                "access_token": issued,
                "token_type": "bearer",
                "expires_in": seconds,
                "role": caller.role,
                "locations": list(caller.locations),
            }
        )

    async def endpoint(request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                form: Any = await _json_body(request)
            except FhirError as exc:
                return _error(exc)
        else:  # application/x-www-form-urlencoded, as OAuth clients send it
            pairs = parse_qs((await request.body()).decode("utf-8", "replace"))
            form = {key: values[0] for key, values in pairs.items()}
        return await run_in_threadpool(issue, form)

    return endpoint


def create_app(engine: Engine) -> Starlette:
    started = accounts.instant()

    async def capability(request: Request) -> Response:
        return FhirResponse(capability_statement(_base(request), started))

    def fhir(handler: Handler, **how: bool) -> Any:
        return fhir_endpoint(engine, handler, **how)

    return Starlette(
        routes=[
            Route("/metadata", capability, methods=["GET"]),
            Route("/auth/token", token_endpoint(engine), methods=["POST"]),
            Route("/", fhir(transaction, writes=True, body=True), methods=["POST"]),
            Route("/_history", fhir(history), methods=["GET"]),
            Route("/{type}/_history", fhir(history), methods=["GET"]),
            Route("/{type}/{id}/_history/{vid}", fhir(vread), methods=["GET"]),
            Route("/{type}/{id}/_history", fhir(history), methods=["GET"]),
            Route("/{type}/{id}", fhir(read), methods=["GET"]),
            Route("/{type}/{id}", fhir(update, writes=True, body=True), methods=["PUT"]),
            Route("/{type}/{id}", fhir(delete, writes=True), methods=["DELETE"]),
            Route("/{type}", fhir(search), methods=["GET"]),
            Route("/{type}", fhir(create, writes=True, body=True), methods=["POST"]),
        ]
    )
