"""A private PostgreSQL cluster for the tests and benchmarks: initdb in a temporary folder, started with
pg_ctl on 127.0.0.1 and a free port, one database made in it, stopped and removed afterwards.

Nothing of the machine's own PostgreSQL is used or touched: the cluster has its own folder, port and
sockets (in that folder), so several runs can go side by side. initdb refuses to run as root, so as root
the binaries run as a dedicated unprivileged user (made with useradd the first time) who owns the folder.
fsync is off: a test cluster that loses its data in a power cut loses nothing of value, and commits are
several times faster on a slow disk.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

SERVICE_USER = "cashdesk-pg"  # the unprivileged owner of the cluster when we run as root
SUPERUSER = "cashdesk"  # the cluster's superuser, named in the URL
MISSING = "PostgreSQL is not installed: apt-get install postgresql"
# Speed over durability (see above), and room for the pools of several server processes.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "128MB",
}


class PostgresUnavailable(Exception):
    """The cluster cannot be made here; the message says why (a test skips with it)."""


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: from PATH, else the newest /usr/lib/postgresql/*/bin (Debian
    installs them there and puts only the client programs on PATH)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for folder in reversed(versions):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _service_user() -> pwd.struct_passwd:
    """The dedicated user, made if this machine has none yet (another run may be making it right now)."""
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    made = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"initdb refuses to run as root and user {SERVICE_USER} could not be made: {made.stderr.strip()}"
        ) from None


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int
    owner: pwd.struct_passwd | None  # who runs the binaries; None: this process's own user

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, program: str, *args: str) -> None:
        owner = self.owner
        # A clean environment: PG* variables of the caller must not point the tools at another server.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.folder)}
        done = subprocess.run(
            [str(self.bin / program), *args],
            cwd=self.folder,  # root's working folder may be closed to the service user
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
            user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None,
            extra_groups=[] if owner else None,  # none of root's groups
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed: {done.stdout}{done.stderr}")

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--no-locale",
                 "--encoding=UTF8", "--no-sync")  # fmt: skip
        # Only 127.0.0.1 and a socket in our own folder: never /var/run/postgresql, which may be the
        # machine's own server's, nor an address another machine could reach (trust authentication).
        settings = SETTINGS | {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.folder}'",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start(self) -> None:
        """Started on a free port; another program may take that port between our look and the start,
        so a refused start is tried again on another."""
        for attempt in range(3):
            try:
                self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                         "-t", "60", "-o", f"-p {self.port}", "start")  # fmt: skip
                return
            except RuntimeError:
                if attempt == 2:
                    raise RuntimeError(f"PostgreSQL did not start: {self.log()}") from None
                self.port = _free_port()

    def stop(self) -> None:
        # immediate: nothing here is worth a checkpoint on the way out
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def postgres_database(name: str = "central") -> Iterator[str]:
    """A new, empty database `name` in a private cluster, as a postgresql:// URL; the cluster is stopped
    and its folder removed on the way out. Raises PostgresUnavailable when PostgreSQL is not installed or
    cannot run here (a test skips), RuntimeError when it is there but fails (a test fails)."""
    folder_of_bins = binaries()
    if folder_of_bins is None:
        raise PostgresUnavailable(MISSING)
    owner = _service_user() if os.geteuid() == 0 else None
    # Not pytest's tmp_path: it is under a root-only folder the service user could not enter.
    folder = Path(tempfile.mkdtemp(prefix="cashdesk-pg-"))
    cluster = Cluster(bin=folder_of_bins, folder=folder, port=_free_port(), owner=owner)
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        cluster.init()
        cluster.start()
        try:
            yield create_database(cluster.url("postgres"), name)
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_database(url: str, name: str) -> str:
    """Another empty database in the cluster of `url` (a test that needs a database nobody opened yet),
    as its URL."""
    base, _slash, _old = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"
