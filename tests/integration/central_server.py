"""A real central server process on 127.0.0.1 for the tests: started with `cashdesk central serve` on a
free port, its users and devices added with the same commands an operator types, stopped or killed
and started again at will (the fault tests do)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

PASSWORD = "central-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def central(*args: str, db: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
    env["CASHDESK_CENTRAL_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "cashdesk", "central", *args, "--db", db],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@dataclass
class CentralServer:
    db: str
    port: int = field(default_factory=free_port)
    log: Path | None = None  # the server's output, for a failing test to show
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CentralServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
        if self.log is None:
            self.log = Path(tempfile.mkstemp(prefix="central-", suffix=".log")[1])
        with self.log.open("a") as out:  # a file, not a pipe: a pipe nobody reads fills and stops the server
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cashdesk",
                    "central",
                    "serve",
                    "--db",
                    self.db,
                    "--port",
                    str(self.port),
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the central server stopped: {self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/metadata", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the central server did not answer within 60 s")

    def stop(self, *, kill: bool = False) -> None:
        process = self.process
        if process is None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # A fault proxy's thread may stop the server while the test already starts it again: forget only
        # the process this call stopped.
        if self.process is process:
            self.process = None

    def add_user(self, name: str, role: str, *locations: str) -> None:
        args = ["user", "add", name, "--role", role]
        for path in locations:
            args += ["--location", path]
        done = central(*args, db=self.db)
        assert done.returncode == 0, done.stderr

    def add_device(self, code: str) -> None:
        done = central("device", "add", code, db=self.db)
        assert done.returncode == 0, done.stderr

    def draw_device(self) -> str:
        """Registers a laptop that will join the scheme: the server draws its code (the printed one)."""
        done = central("device", "add", "--name", "a laptop to join", db=self.db)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()[1]

    def token(self, name: str, device: str, password: str = PASSWORD) -> str:
        answer = requests.post(
            f"{self.url}/auth/token",
            data={"username": name, "password": password, "device": device},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def session(self, name: str, device: str) -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.token(name, device)}"
        s.headers["Accept"] = "application/fhir+json"
        return s
