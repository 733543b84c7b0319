"""Several `cashdesk central serve` processes on one real PostgreSQL, as a district office runs them behind
a load balancer: writes through either process land once, with the right versions; a device that pulls
the history by its cursor, from either process, while others write, gets every version once and misses
none (the advisory lock of store.lock_for_writing makes sequence numbers visible in the order they were
given); a bundle resent to the other process is not applied twice; If-Match holds across processes.

Skipped, with the reason, where PostgreSQL is not installed (tests/integration/postgres_cluster.py).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
import requests

from cashdesk.sync.mapping.urls import LOCATION_PATH as LOCATION_TAG
from tests.integration.central_server import CentralServer
from tests.integration.postgres_cluster import PostgresUnavailable, create_database, postgres_database

CHIKWAWA = "/R01/D01/"
WRITERS, BUNDLES, PER_BUNDLE, POOL = 4, 25, 10, 50  # each writer's 50 patients written 5 times over
TIMEOUT = 30  # a request waits behind every other writer's transaction (one advisory lock for all)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_database("central"))
        except PostgresUnavailable as exc:
            pytest.skip(str(exc))
        yield url


@pytest.fixture(scope="module")
def servers(postgres_url: str) -> Iterator[tuple[CentralServer, CentralServer]]:
    """Two server processes on the same database, each on its own port."""
    first, second = CentralServer(db=postgres_url), CentralServer(db=postgres_url)
    # The command makes the tables, before either process starts (the last test says why that matters).
    first.add_user("olive", "enrolment_officer", CHIKWAWA)
    first.add_device("LAPTOP1")
    first.add_device("LAPTOP2")
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        first.stop()
        second.stop()


def patient(id_: str, given: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": id_,
        "meta": {"tag": [{"system": LOCATION_TAG, "code": CHIKWAWA}]},
        "name": [{"given": [given], "family": "Banda"}],
    }


def transaction(bundle_id: str, resources: list[dict[str, Any]], versions: dict[str, int]) -> dict[str, Any]:
    """PUTs of `resources`, each with If-Match on the version in `versions` (none for a new one)."""

    def request(r: dict[str, Any]) -> dict[str, Any]:
        have = versions.get(r["id"], 0)
        return {"method": "PUT", "url": f"Patient/{r['id']}", **({"ifMatch": f'W/"{have}"'} if have else {})}

    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "id": bundle_id,
        "entry": [{"resource": r, "request": request(r)} for r in resources],
    }


def at_once(*calls: Callable[[], requests.Response]) -> list[requests.Response]:
    """The calls made in threads released together, so that their requests race on the servers."""
    start = threading.Barrier(len(calls))

    def go(call: Callable[[], requests.Response]) -> requests.Response:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


@dataclass
class Puller:
    """A device pulling the history by its cursor, page after page, from the servers in turn (a device
    whose load balancer sends each request to another process)."""

    sessions: list[tuple[requests.Session, str]]
    cursor: int
    seen: list[tuple[str, int]] = field(default_factory=list)  # (Patient id, version) in pulled order
    cursors: list[int] = field(default_factory=list)

    def page(self, count: int = 37) -> int:  # 37: pages that end inside a bundle, not at its edges
        session, url = self.sessions[len(self.cursors) % len(self.sessions)]
        answer = session.get(f"{url}/_history", params={"_cursor": self.cursor, "_count": count},
                             timeout=TIMEOUT)  # fmt: skip
        assert answer.status_code == 200, answer.text
        found = answer.json()
        for entry in found["entry"]:
            version = int(entry["response"]["etag"].removeprefix('W/"').strip('"'))
            if "resource" in entry:  # a deletion has none
                assert entry["resource"]["meta"]["versionId"] == str(version)
            self.seen.append((entry["fullUrl"].rsplit("/", 1)[1], version))
        nxt = next(link["url"] for link in found["link"] if link["relation"] == "next")
        self.cursor = int(nxt.split("_cursor=")[1].split("&")[0])
        self.cursors.append(self.cursor)
        return len(found["entry"])

    def until(self, stop: threading.Event) -> int:
        """Pull while others write, then to the end; the number of versions pulled while they wrote."""
        while not stop.is_set():
            self.page()
        during = len(self.seen)
        while self.page():
            pass
        return during


def test_concurrent_bundles_through_two_processes_land_once_and_every_pull_gets_every_version_once(
    servers: tuple[CentralServer, CentralServer],
) -> None:
    first, second = servers
    origin = Puller([(first.session("olive", "LAPTOP2"), first.url)], cursor=0)
    while origin.page(1000):  # whatever other tests wrote before: not this test's business
        pass
    pools = [[str(uuid.uuid4()) for _ in range(POOL)] for _ in range(WRITERS)]

    def write(writer: int) -> dict[str, tuple[int, str]]:
        """This writer's bundles, half the writers through each process; its patients' last versions."""
        server = first if writer < WRITERS // 2 else second
        session = server.session("olive", "LAPTOP1")
        versions: dict[str, int] = {}
        last: dict[str, tuple[int, str]] = {}
        for n in range(BUNDLES):
            start = n * PER_BUNDLE % POOL
            chosen = [patient(id_, f"W{writer}B{n}") for id_ in pools[writer][start : start + PER_BUNDLE]]
            answer = session.post(server.url, json=transaction(f"load-{writer}-{n}-{uuid.uuid4()}", chosen,
                                                               versions), timeout=TIMEOUT)  # fmt: skip
            assert answer.status_code == 200, answer.text
            for resource, entry in zip(chosen, answer.json()["entry"], strict=True):
                version = versions.get(resource["id"], 0) + 1
                assert entry["response"]["etag"] == f'W/"{version}"'
                assert entry["response"]["status"] == ("201" if version == 1 else "200")
                versions[resource["id"]] = version
                last[resource["id"]] = (version, resource["name"][0]["given"][0])
        return last

    pullers = [  # one device that pulls from the first process only, one that goes back and forth
        Puller([(first.session("olive", "LAPTOP2"), first.url)], cursor=origin.cursor),
        Puller([(first.session("olive", "LAPTOP2"), first.url), (second.session("olive", "LAPTOP2"), second.url)],
               cursor=origin.cursor),
    ]  # fmt: skip
    done = threading.Event()
    with ThreadPoolExecutor(WRITERS + len(pullers)) as pool:
        pulling = [pool.submit(p.until, done) for p in pullers]
        writing = [pool.submit(write, w) for w in range(WRITERS)]
        try:
            last = {id_: got for w in writing for id_, got in w.result().items()}
        finally:
            done.set()
        during = [p.result() for p in pulling]

    times = BUNDLES * PER_BUNDLE // POOL
    assert len(last) == WRITERS * POOL and {v for v, _name in last.values()} == {times}
    expected = {(id_, v) for id_ in last for v in range(1, times + 1)}
    for puller, pulled_while_writing in zip(pullers, during, strict=True):
        ours = [(id_, v) for id_, v in puller.seen if id_ in last]
        assert len(ours) == len(set(ours)), "a version was pulled twice"
        assert set(ours) == expected, f"{len(expected - set(ours))} versions were never pulled"
        in_order: dict[str, list[int]] = {}
        for id_, version in ours:
            in_order.setdefault(id_, []).append(version)
        assert all(got == list(range(1, times + 1)) for got in in_order.values()), "versions out of order"
        assert puller.cursors == sorted(puller.cursors)
        assert pulled_while_writing > 0  # the pulls did overlap the writes

    readers = [
        (first.session("olive", "LAPTOP2"), first.url),
        (second.session("olive", "LAPTOP2"), second.url),
    ]
    for n, (id_, (version, given)) in enumerate(
        sorted(last.items())[::5]
    ):  # each process sees the last write
        session, url = readers[n % 2]
        got = session.get(f"{url}/Patient/{id_}", timeout=TIMEOUT)
        assert got.headers["etag"] == f'W/"{version}"' and got.json()["name"][0]["given"] == [given]


def test_one_bundle_sent_to_both_processes_at_once_is_applied_once(
    servers: tuple[CentralServer, CentralServer],
) -> None:
    first, second = servers
    a, b = first.session("olive", "LAPTOP1"), second.session("olive", "LAPTOP1")
    for n in range(8):
        resources = [patient(str(uuid.uuid4()), f"Twice{n}") for _ in range(PER_BUNDLE)]
        bundle = transaction(f"twice-{n}-{uuid.uuid4()}", resources, {})
        one, other = at_once(
            partial(a.post, first.url, json=bundle, timeout=TIMEOUT),
            partial(b.post, second.url, json=bundle, timeout=TIMEOUT),
        )
        assert one.status_code == other.status_code == 200, (one.text, other.text)
        assert one.json() == other.json()
        assert [e["response"]["status"] for e in one.json()["entry"]] == ["201"] * PER_BUNDLE
        history = a.get(f"{first.url}/Patient/{resources[0]['id']}/_history", timeout=TIMEOUT).json()
        assert [e["response"]["etag"] for e in history["entry"]] == ['W/"1"']


def test_if_match_holds_across_processes(servers: tuple[CentralServer, CentralServer]) -> None:
    first, second = servers
    a, b = first.session("olive", "LAPTOP1"), second.session("olive", "LAPTOP2")

    def put(session: requests.Session, url: str, body: dict[str, Any], version: int) -> requests.Response:
        return session.put(f"{url}/Patient/{body['id']}", json=body, headers={"If-Match": f'W/"{version}"'},
                           timeout=TIMEOUT)  # fmt: skip

    body = patient(str(uuid.uuid4()), "Stale")
    assert a.put(f"{first.url}/Patient/{body['id']}", json=body, timeout=TIMEOUT).status_code == 201
    assert put(b, second.url, body | {"gender": "female"}, 1).status_code == 200
    stale = put(a, first.url, body | {"gender": "male"}, 1)
    assert stale.status_code == 412 and "at version 2, not 1" in stale.json()["issue"][0]["diagnostics"]
    in_bundle = a.post(
        first.url, json=transaction(str(uuid.uuid4()), [body], {body["id"]: 1}), timeout=TIMEOUT
    )
    assert in_bundle.status_code == 412
    now = a.get(f"{first.url}/Patient/{body['id']}", timeout=TIMEOUT)
    assert now.headers["etag"] == 'W/"2"' and now.json()["gender"] == "female"

    for n in range(5):  # both processes asked at the same moment to update version 1: one wins
        body = patient(str(uuid.uuid4()), f"Race{n}")
        assert a.put(f"{first.url}/Patient/{body['id']}", json=body, timeout=TIMEOUT).status_code == 201
        answers = at_once(
            partial(put, a, first.url, body | {"gender": "male"}, 1),
            partial(put, b, second.url, body | {"gender": "female"}, 1),
        )
        assert sorted(r.status_code for r in answers) == [200, 412]
        winner = next(r for r in answers if r.status_code == 200).json()["gender"]
        now = b.get(f"{second.url}/Patient/{body['id']}", timeout=TIMEOUT)
        assert now.headers["etag"] == 'W/"2"' and now.json()["gender"] == winner


def test_two_processes_starting_at_once_on_a_new_database_both_start(postgres_url: str) -> None:
    from cashdesk.central.app import open_database

    fresh = create_database(postgres_url, f"fresh_{uuid.uuid4().hex[:8]}")
    start = threading.Barrier(2)

    def open_it() -> None:
        start.wait()
        open_database(fresh).dispose()

    with ThreadPoolExecutor(2) as pool:
        for opened in [pool.submit(open_it) for _ in range(2)]:
            opened.result()
