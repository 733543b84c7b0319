"""The central server under load: devices pushing households at once to several server processes on one
PostgreSQL, beside the straightforward ways on the same data in the same run.

Usage: .venv/bin/python -m benchmarks.central_server [--servers 2] [--devices 20] [--seconds 30]
       [--per-bundle 50]

A private PostgreSQL cluster is started (tests/integration/postgres_cluster.py; without PostgreSQL the
script says so and stops) and `--servers` processes of `cashdesk central serve` on it. Each of `--devices`
devices (a thread with its own officer, device code and login) pushes for `--seconds` what the sync client
pushes: transaction bundles of `--per-bundle` resources, households as Group and their members as Patient,
built by cashdesk.sync.mapping. The ways, one after the other, each for `--seconds`:

0. bundles on the new database, for a third of the time: a warm-up, then ANALYZE (see analyze());
1. bundles, the devices spread over all the server processes (how the sync client pushes);
2. the same resources sent as one PUT per resource, over all the processes (the straightforward way);
3. bundles, every device on one server process (what a second process adds).

Every way writes new resources with the same content: each request takes one of its device's bundles,
built once, and gives every id in it a new UUID (references to them follow), so that nothing is an update
and no time goes into building resources while the clock runs. A request's latency is from sending it to
its answer; resources/s counts the resources in answered requests over the way's whole time.

The devices are threads of this one process and share the machine with the servers and PostgreSQL: on a
machine of few cores their own work (JSON, HTTP) takes CPU the servers would otherwise use, and the more
so for the 50 times as many requests of the one-PUT-per-resource way. The CPU columns say where the time
went.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import requests

from tests.integration.central_server import PASSWORD, CentralServer
from tests.integration.postgres_cluster import PostgresUnavailable, postgres_database

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TEMPLATES = 4  # bundles built per device, sent in turn with new ids
TIMEOUT = 120
GIVEN = ("Chifundo", "Mphatso", "Tawonga", "Kondwani", "Zoë", "Thoko", "Yamikani", "Chisomo", "Dalitso")
FAMILY = ("Banda", "Phiri", "Mwale", "Ngwira", "Chirwa", "Kumwenda", "Ngũgĩ", "Nyirenda")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def say(text: str) -> None:
    print(text, flush=True)


# --- the data ------------------------------------------------------------------------------------------


def household(rng: random.Random, village_path: str) -> list[dict[str, Any]]:
    """A household of 1 to 7 members, as the desktop's mapping writes it: its Group, then their Patients."""
    from cashdesk.models import (
        Household,
        HouseholdStatus,
        Member,
        MemberIdentifier,
        PaymentMethod,
        RecipientRole,
        Relationship,
        Sex,
    )
    from cashdesk.sync.mapping.people import household_to_fhir, member_to_fhir

    made = datetime(2026, 3, 2, 8, tzinfo=UTC) + timedelta(minutes=rng.randrange(100_000))
    family = rng.choice(FAMILY)
    home = Household(
        id=uuid.uuid4(), code=f"W5NA-H{rng.randrange(10**7):07d}", source_ref=f"HH-{rng.randrange(10**5)}",
        location_id=uuid.uuid4(), address=rng.choice(("Behind the borehole", "Near the school", None)),
        gps_latitude=Decimal(f"-16.{rng.randrange(10**6):06d}"), gps_longitude=Decimal(f"35.{rng.randrange(10**6):06d}"),
        preferred_pay_point_id=None, payment_method=PaymentMethod.MOBILE_MONEY, payment_provider_id=uuid.uuid4(),
        payment_account=f"+26588{rng.randrange(10**7):07d}", status=HouseholdStatus.ACTIVE,
        custom_fields={"roof": rng.choice(("thatch", "iron sheets")), "rooms": rng.randrange(1, 5)},
        import_batch_id=None, registered_by_id=uuid.uuid4(), created_at=made, deleted_at=None,
    )  # fmt: skip
    members = []
    for n in range(rng.randrange(1, 8)):
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(25_000))
        members.append(Member(
            id=uuid.uuid4(), household_id=home.id, source_ref=None, given_name=rng.choice(GIVEN),
            family_name=family, other_names=None, sex=rng.choice((Sex.FEMALE, Sex.MALE)),
            date_of_birth=born, birth_year=born.year, birth_date_estimated=False,
            relation_to_head=Relationship.HEAD if n == 0 else rng.choice((Relationship.SPOUSE, Relationship.CHILD)),
            recipient_role=RecipientRole.PRIMARY if n == 0 else None,
            phone=f"+26599{rng.randrange(10**7):07d}" if n == 0 else None, disability=rng.random() < 0.05,
            custom_fields={}, import_batch_id=None, created_at=made, deleted_at=None,
        ))  # fmt: skip
    head_id = MemberIdentifier(id=uuid.uuid4(), member_id=members[0].id, id_type="national_id",
                               number=f"MW{rng.randrange(10**8):08d}")  # fmt: skip
    return [household_to_fhir(home, members=members, location_path=village_path)] + [
        member_to_fhir(m, documents=[head_id] if n == 0 else [], location_path=village_path)
        for n, m in enumerate(members)
    ]


def bundle_text(rng: random.Random, village_path: str, size: int) -> str:
    """A transaction bundle of `size` resources (whole households, the last one cut short), as JSON."""
    from cashdesk.sync.mapping import dumps

    resources: list[dict[str, Any]] = []
    while len(resources) < size:
        resources += household(rng, village_path)
    entries = [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in resources[:size]
    ]
    return dumps({"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "transaction", "entry": entries})


def with_new_ids(text: str) -> str:
    """The same bundle with a new UUID for every id in it, references and the bundle's id included."""
    new: dict[str, str] = {}
    return UUID.sub(lambda m: new.setdefault(m[0], str(uuid.uuid4())), text)


# --- the devices ---------------------------------------------------------------------------------------


@dataclass
class Device:
    code: str
    username: str
    session: requests.Session
    templates: list[str]  # bundles of `per_bundle` resources each
    per_bundle: int
    sent: itertools.count[int] = field(default_factory=itertools.count)

    def next_bundle(self) -> str:
        return with_new_ids(self.templates[next(self.sent) % len(self.templates)])


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    resources: int = 0
    errors: list[str] = field(default_factory=list)


def push(device: Device, url: str, way: str, until: float, outcome: Outcome) -> None:
    """Send until the clock says stop: whole bundles (way "bundles") or each resource of them alone."""
    from cashdesk.sync.mapping import dumps, loads

    json_type = {"Content-Type": "application/fhir+json"}
    while time.monotonic() < until:
        text = device.next_bundle()
        if way == "bundles":
            calls = [("POST", url, text, device.per_bundle)]
        else:
            calls = [
                ("PUT", f"{url}/{e['request']['url']}", dumps(e["resource"]), 1) for e in loads(text)["entry"]
            ]
        for method, target, body, resources in calls:
            started = time.perf_counter()
            answer = device.session.request(method, target, data=body.encode(), headers=json_type,
                                            timeout=TIMEOUT)  # fmt: skip
            took = time.perf_counter() - started
            if answer.status_code not in (200, 201):
                outcome.errors.append(f"{answer.status_code} {answer.text[:200]}")
                continue
            outcome.latencies.append(took)
            outcome.resources += resources


# --- measuring -----------------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each process that is still there (from /proc/PID/stat)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return found


def postgres_backends(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").fetchall()
    return [int(pid) for (pid,) in rows]


@dataclass
class Way:
    name: str
    servers: int
    requests: int
    resources: int
    seconds: float
    p50_ms: float
    p95_ms: float
    server_cpu: float
    postgres_cpu: float
    client_cpu: float
    errors: list[str]

    @property
    def per_second(self) -> float:
        return self.resources / self.seconds


def run_way(
    name: str, way: str, devices: list[Device], servers: list[CentralServer], seconds: float, db: str
) -> Way:
    server_pids = [s.process.pid for s in servers if s.process is not None]
    before_servers, before_pg = cpu_seconds(server_pids), cpu_seconds(postgres_backends(db))
    before_client = time.process_time()
    outcomes = [Outcome() for _ in devices]
    started = time.monotonic()
    threads = [
        threading.Thread(target=push, args=(d, servers[n % len(servers)].url, way, started + seconds, o))
        for n, (d, o) in enumerate(zip(devices, outcomes, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = (
        time.monotonic() - started
    )  # the last answers came after the clock stopped: counted, and waited for
    after_pg = cpu_seconds(postgres_backends(db))
    latencies = sorted(x for o in outcomes for x in o.latencies)
    return Way(
        name=name,
        servers=len(servers),
        requests=len(latencies),
        resources=sum(o.resources for o in outcomes),
        seconds=elapsed,
        p50_ms=1000 * statistics.median(latencies) if latencies else float("nan"),
        p95_ms=1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
        server_cpu=sum(cpu_seconds(server_pids).values()) - sum(before_servers.values()),
        postgres_cpu=sum(v - before_pg.get(pid, 0.0) for pid, v in after_pg.items()),
        client_cpu=time.process_time() - before_client,
        errors=[e for o in outcomes for e in o.errors],
    )


def analyze(db: str) -> None:
    """Table statistics, as autovacuum gathers them about a minute after a new database fills.

    Until then the plans psycopg's prepared statements cached while the tables were empty (sequential
    scans) stay in use, and each write of a resource reads the whole `resources` and `identifiers` tables:
    a bundle took 100 ms at first and 370 ms after 16,000 resources, until autovacuum's ANALYZE made
    PostgreSQL plan again (docs/benchmarks.md). The ways are compared after that, as a server runs on
    the second day; the first row of the table shows the new database."""
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("ANALYZE")


# --- the run -------------------------------------------------------------------------------------------


def prepare(db: str, count: int, per_bundle: int) -> list[tuple[str, str, list[str]]]:
    """Users (one enrolment officer per device, districts D01-D05), devices, and each device's bundles."""
    from cashdesk.central import accounts
    from cashdesk.central.app import open_database

    rng = random.Random(20261207)
    engine = open_database(db)
    made = []
    with engine.begin() as conn:
        for n in range(count):
            district = f"/R01/D{n % 5 + 1:02d}/"
            username, code = f"officer{n + 1:02d}", f"LAPTOP{n + 1:02d}"
            accounts.add_user(conn, username=username, password=PASSWORD, role="enrolment_officer",
                              locations=[district])  # fmt: skip
            accounts.add_device(conn, code=code, name="", registered_by="benchmark")
            village = f"{district}V{n + 1:03d}/"
            made.append((username, code, [bundle_text(rng, village, per_bundle) for _ in range(TEMPLATES)]))
    engine.dispose()
    return made


def table(ways: list[Way], devices: int) -> None:
    say("")
    say("| way | processes | devices | requests | resources | resources/s | requests/s | p50 ms | p95 ms "
        "| CPU s: servers / PostgreSQL / devices | errors |")  # fmt: skip
    say("|---|---|---|---|---|---|---|---|---|---|---|")
    for w in ways:
        say(f"| {w.name} | {w.servers} | {devices} | {w.requests:,} | {w.resources:,} | **{w.per_second:,.0f}** "
            f"| {w.requests / w.seconds:,.1f} | {w.p50_ms:,.1f} | {w.p95_ms:,.1f} "
            f"| {w.server_cpu:.0f} / {w.postgres_cpu:.0f} / {w.client_cpu:.0f} | {len(w.errors)} |")  # fmt: skip
    for w in ways:
        for error in w.errors[:3]:
            say(f"  {w.name}: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument("--devices", type=int, default=20, help="devices pushing at once (default 20)")
    parser.add_argument("--seconds", type=float, default=30, help="how long each way runs (default 30)")
    parser.add_argument("--per-bundle", type=int, default=50, help="resources per bundle (default 50)")
    args = parser.parse_args()

    try:
        with postgres_database("central") as db:
            say(f"PostgreSQL test cluster: {db}; {os.cpu_count()} cores")
            ready = time.perf_counter()
            made = prepare(db, args.devices, args.per_bundle)  # the tables too, before any server starts
            servers = [CentralServer(db=db) for _ in range(args.servers)]
            try:
                for s in servers:
                    s.start()
                devices = [
                    Device(code, username, servers[0].session(username, code), templates, args.per_bundle)
                    for username, code, templates in made
                ]  # a token is the database's: it works with every process
                say(f"{args.servers} server processes, {args.devices} devices ready in "
                    f"{time.perf_counter() - ready:.1f} s; {args.seconds:.0f} s each way")  # fmt: skip
                ways: list[Way] = []
                for name, way, over in (
                    ("bundles, new database", "bundles", servers),  # see analyze()
                    ("bundles", "bundles", servers),
                    ("one PUT per resource", "puts", servers),
                    ("bundles, one process", "bundles", servers[:1]),
                ):
                    warming = not ways
                    seconds = max(5.0, args.seconds / 3) if warming else args.seconds
                    ways.append(run_way(name, way, devices, over, seconds, db))
                    say(f"  {name}: {ways[-1].per_second:,.0f} resources/s")
                    if warming:
                        analyze(db)
            finally:
                for s in servers:
                    s.stop()
    except PostgresUnavailable as exc:
        say(f"Not measured: {exc}")
        return
    table(ways, args.devices)
    _cold, bundles, puts, single = ways
    say("")
    say(
        f"bundles / one PUT per resource: {bundles.per_second / puts.per_second:.1f}x the resources per second"
    )
    say(f"{bundles.servers} processes / one process: {bundles.per_second / single.per_second:.2f}x")


if __name__ == "__main__":
    main()
