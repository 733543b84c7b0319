"""Sync at scale, against a real central server process on 127.0.0.1 (SQLite), beside the straightforward way.

Usage: .venv/bin/python -m benchmarks.sync [--households 100000] [--changes 1000] [--baseline-sample 2000]
Goals (issue 20): the first sync of a new device pulling a district of 100,000 households (about 450,000
members) under 3 minutes; later syncs of 1,000 changes under 5 s.

Device A is the demo district (cashdesk.demo: households, members, villages, pay points) and pushes it all
first; device B is a new laptop of the same scheme with nothing in it, and pulls everything. Then A changes
1,000 households' address, pushes, and B pulls them.

The straightforward way, timed in the same run on the same server: one HTTP request per record (a GET of
each resource B needs, a PUT of each change A makes), as a client without bundles or paged history does;
measured on a sample and given per record beside the real figures, with the ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cashdesk.desk import Desk

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "central-pass-1"


def say(text: str) -> None:
    print(text, flush=True)


def central(*args: str, db: str) -> None:
    env = dict(os.environ, CASHDESK_CENTRAL_PASSWORD=PASSWORD)
    subprocess.run([sys.executable, "-m", "cashdesk", "central", *args, "--db", db], env=env, check=True,
                   capture_output=True)  # fmt: skip


def start_server(db: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "cashdesk", "central", "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(f"{url}/metadata", timeout=1)
            return server, url
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("the central server did not start")


def device(folder: Path, db: str, url: str) -> Desk:
    from cashdesk.core.ids import new_device_code
    from cashdesk.desk import open_desk
    from cashdesk.models import Scheme
    from cashdesk.sync.login import log_in_to_server

    desk = open_desk(folder, "admin", "admin-pass-1")
    code = new_device_code()
    desk.run(lambda s, _a: s.execute(update(Scheme).values(device_code=code)))
    central("device", "add", code, db=db)
    log_in_to_server(desk, url=url, username="district", password=PASSWORD)
    return desk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--baseline-sample", type=int, default=2_000)
    args = parser.parse_args()

    from cashdesk.demo.district import load_demo_district
    from cashdesk.models import Household, Member
    from cashdesk.scheme.create import create_scheme
    from cashdesk.sync.run import sync_now

    root = Path(tempfile.mkdtemp(prefix="cashdesk-sync-bench-"))
    try:
        empty = root / "empty"
        create_scheme(empty, name="Bench", country="MW", currency="MWK", admin_username="admin",
                      admin_password="admin-pass-1")  # fmt: skip
        shutil.copytree(empty, root / "a")
        shutil.copytree(empty, root / "b")
        db = f"sqlite:///{root / 'central.sqlite'}"
        central("user", "add", "district", "--role", "supervisor", db=db)
        server, url = start_server(db)
        try:
            a = device(root / "a", db, url)
            started = time.perf_counter()
            a.run(load_demo_district, households=args.households, seed=3)
            members = a.run(lambda s, _a: s.query(Member).count())
            say(f"device A: {args.households:,} households, {members:,} members made in "
                f"{time.perf_counter() - started:.1f} s")  # fmt: skip

            started = time.perf_counter()
            pushed = sync_now(a)
            push_s = time.perf_counter() - started
            say(
                f"first push from A: {pushed.pushed:,} records in {push_s:.1f} s ({pushed.pushed / push_s:,.0f}/s)"
            )

            b = device(root / "b", db, url)
            started = time.perf_counter()
            pulled = sync_now(b)
            pull_s = time.perf_counter() - started
            say(f"FIRST SYNC of new device B: pulled {pulled.pulled:,} records in {pull_s:.1f} s "
                f"({pulled.pulled / pull_s:,.0f}/s); goal for 100,000 households: under 180 s")  # fmt: skip

            ids = a.run(lambda s, _a: list(s.scalars(select(Household.id))))
            chosen = random.Random(5).sample(ids, min(args.changes, len(ids)))

            def change(session: Session, _actor: object) -> None:
                for row in session.scalars(select(Household).where(Household.id.in_(chosen))):
                    row.address = f"moved {random.random():.6f}"

            a.run(change)
            started = time.perf_counter()
            later = sync_now(a)
            later_push = time.perf_counter() - started
            started = time.perf_counter()
            got = sync_now(b)
            later_pull = time.perf_counter() - started
            say(f"LATER SYNC of {len(chosen):,} changes: push from A {later_push:.2f} s ({later.pushed:,} records), "
                f"pull on B {later_pull:.2f} s ({got.pulled:,} records); goal under 5 s each")  # fmt: skip

            # The straightforward way on the same server: one request per record.
            from cashdesk.scheme.settings import scheme_info

            code = b.run(scheme_info).device_code
            login = {"username": "district", "password": PASSWORD, "device": code}
            token = requests.post(f"{url}/auth/token", timeout=30, data=login).json()["access_token"]
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {token}"
            member_ids = b.run(
                lambda s, _a: [str(i) for i in s.scalars(select(Member.id).limit(args.baseline_sample))]
            )
            started = time.perf_counter()
            for mid in member_ids:
                http.get(f"{url}/Patient/{mid}", timeout=30).raise_for_status()
            per_get = (time.perf_counter() - started) / len(member_ids)
            sample = http.get(
                f"{url}/Group", params={"_count": str(min(200, args.changes))}, timeout=30
            ).json()
            started = time.perf_counter()
            for entry in sample["entry"]:
                resource = entry["resource"]
                http.put(f"{url}/Group/{resource['id']}", json=resource, timeout=30,
                         headers={"If-Match": f'W/"{resource["meta"]["versionId"]}"'}).raise_for_status()  # fmt: skip
            per_put = (time.perf_counter() - started) / len(sample["entry"])
            naive_pull = per_get * pulled.pulled
            say("")
            say(f"{'':34} {'CashDesk':>12} {'one request per record':>24} {'ratio':>7}")
            say(
                f"{'first sync, B pulls everything':34} {pull_s:>11.1f}s {naive_pull:>23.1f}s {naive_pull / pull_s:>6.1f}x"
            )
            naive_push = per_put * later.pushed
            say(
                f"{'1,000 changes pushed':34} {later_push:>11.2f}s {naive_push:>23.2f}s {naive_push / later_push:>6.1f}x"
            )
            say(f"(one request per record measured on {len(member_ids):,} GETs and {len(sample['entry'])} PUTs: "
                f"{per_get * 1000:.1f} ms and {per_put * 1000:.1f} ms each)")  # fmt: skip
            a.close()
            b.close()
        finally:
            server.terminate()
            server.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
