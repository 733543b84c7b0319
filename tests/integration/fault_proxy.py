"""A reverse proxy between a device and the central server that breaks the exchange on purpose: a lost
answer after the server committed, a slow answer, a 500, a clock a day off, or the server killed while
a bundle is on its way. The sync client talks real HTTP to it; it talks real HTTP to the server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from tests.integration.central_server import free_port

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}


class FaultProxy:
    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.port = free_port()
        # The fault for the next matching request: called with (method, path); returns a fault name or "".
        self.fault: Callable[[str, str], str] = lambda _m, _p: ""
        self.delay = 0.0
        self.clock_shift = timedelta(0)
        self.before_forward: Callable[[], None] = lambda: None
        self.seen: list[tuple[str, str, int]] = []  # method, path, status given to the device
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy.fault(self.command, self.path)
                if fault == "500":
                    self._answer(500, b'{"resourceType":"OperationOutcome","issue":[]}', {})
                    return
                if fault == "slow":
                    time.sleep(proxy.delay)
                if fault == "kill-during":
                    threading.Timer(0.05, proxy.before_forward).start()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
                try:
                    answer = requests.request(
                        self.command, proxy.target + self.path, data=body, headers=headers, timeout=60
                    )
                except requests.RequestException:
                    self.close_connection = True
                    proxy.seen.append((self.command, self.path, 0))
                    return  # the server died: the device sees the connection drop
                if fault == "lose-answer":  # the server committed; the answer never reaches the device
                    self.close_connection = True
                    proxy.seen.append((self.command, self.path, -answer.status_code))
                    return
                extra = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
                date = answer.headers.get("Date")
                if date:
                    extra["Date"] = format_datetime(
                        parsedate_to_datetime(date) + proxy.clock_shift, usegmt=True
                    )
                self._answer(answer.status_code, answer.content, extra)

            def _answer(self, status: int, content: bytes, headers: dict[str, str]) -> None:
                self.send_response_only(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Date" not in headers:
                    self.send_header("Date", format_datetime(datetime.now().astimezone(), usegmt=True))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
                proxy.seen.append((self.command, self.path, status))

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        self.http = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def once(self, fault: str, *, method: str = "POST", path: str = "/") -> None:
        """Break the next `method path` request with `fault`, then behave."""
        fired = threading.Event()

        def choose(m: str, p: str) -> str:
            if not fired.is_set() and m == method and p.split("?", maxsplit=1)[0] == path:
                fired.set()
                return fault
            return ""

        self.fault = choose

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
