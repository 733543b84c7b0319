"""The central FHIR server as devices and other systems use it: a real `cashdesk central serve` process
on 127.0.0.1, spoken to over real HTTP."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cashdesk.sync.mapping.urls import LOCATION_PATH as LOCATION_TAG
from tests.integration.central_server import CentralServer, central

CHIKWAWA = "/R01/D01/"
NSANJE = "/R01/D02/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    folder = tmp_path_factory.mktemp("central")
    running = CentralServer(db=f"sqlite:///{folder / 'central.sqlite'}")
    running.add_user("admin", "administrator")
    running.add_user("olive", "enrolment_officer", "R01/D01")
    running.add_user("nelson", "enrolment_officer", "/R01/D02/")
    running.add_user("ministry", "reader")
    running.add_device("LAPTOP1")
    running.start()
    yield running
    running.stop()


def patient(given: str, *, path: str = CHIKWAWA, ref: str = "", id_: str | None = None) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": id_ or str(uuid.uuid4()),
        "meta": {"tag": [{"system": LOCATION_TAG, "code": path}]},
        "identifier": [{"system": "https://registry.example.org/member", "value": ref or given.lower()}],
        "name": [{"given": [given], "family": "Banda"}],
    }


def _put(s: requests.Session, url: str, body: dict[str, Any], **headers: str) -> requests.Response:
    return s.put(f"{url}/{body['resourceType']}/{body['id']}", json=body, headers=headers, timeout=10)


def test_metadata_is_open_and_everything_else_needs_a_token(server: CentralServer) -> None:
    cap = requests.get(f"{server.url}/metadata", timeout=10)
    assert cap.status_code == 200 and cap.json()["fhirVersion"] == "4.0.1"
    assert cap.headers["content-type"].startswith("application/fhir+json")
    bare = requests.get(f"{server.url}/Patient", timeout=10)
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == "Bearer"
    assert "Log in first" in bare.json()["issue"][0]["diagnostics"]

    wrong = requests.post(f"{server.url}/auth/token",
                          data={"username": "olive", "password": "nope-nope-nope", "device": "LAPTOP1"}, timeout=10)  # fmt: skip
    assert wrong.status_code == 401 and wrong.json()["error_description"] == "Wrong user name or password."
    stranger = requests.post(f"{server.url}/auth/token",
                             data={"username": "olive", "password": "central-pass-1", "device": "STOLEN"}, timeout=10)  # fmt: skip
    assert stranger.status_code == 403 and "not registered" in stranger.json()["error_description"]


def test_versioned_update_etag_if_match_vread_delete_and_history(server: CentralServer) -> None:
    s = server.session("olive", "LAPTOP1")
    body = patient("Chifundo")
    created = _put(s, server.url, body)
    assert created.status_code == 201 and created.headers["etag"] == 'W/"1"'
    assert created.json()["meta"]["versionId"] == "1"
    body["name"][0]["family"] = "Phiri"
    updated = _put(s, server.url, body, **{"If-Match": 'W/"1"'})
    assert updated.status_code == 200 and updated.headers["etag"] == 'W/"2"'
    stale = _put(s, server.url, body, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and "at version 2, not 1" in stale.json()["issue"][0]["diagnostics"]

    url = f"{server.url}/Patient/{body['id']}"
    assert s.get(url, timeout=10).json()["name"][0]["family"] == "Phiri"
    assert s.get(f"{url}/_history/1", timeout=10).json()["name"][0]["family"] == "Banda"
    assert s.delete(url, timeout=10).status_code == 204
    assert s.get(url, timeout=10).status_code == 410
    assert s.delete(url, timeout=10).status_code == 204  # deleting what is gone is no error
    versions = s.get(f"{url}/_history", timeout=10).json()
    assert versions["type"] == "history"
    assert [e["response"]["etag"] for e in versions["entry"]] == ['W/"3"', 'W/"2"', 'W/"1"']  # newest first
    assert "resource" not in versions["entry"][0] and versions["entry"][0]["request"]["method"] == "DELETE"


def test_an_invalid_resource_is_refused_with_where_it_is_wrong(server: CentralServer) -> None:
    s = server.session("olive", "LAPTOP1")
    body = patient("Kondwani") | {"birthDate": "the 3rd of May"}
    refused = _put(s, server.url, body)
    assert refused.status_code == 400 and "birthDate" in refused.json()["issue"][0]["diagnostics"]
    other = s.put(f"{server.url}/Patient/{uuid.uuid4()}", json=patient("Kondwani"), timeout=10)
    assert other.status_code == 400 and "not" in other.json()["issue"][0]["diagnostics"]
    assert s.get(f"{server.url}/Observation", timeout=10).status_code == 404


def test_a_transaction_is_all_or_nothing_and_a_resent_bundle_is_applied_once(server: CentralServer) -> None:
    s = server.session("olive", "LAPTOP1")
    good, bad = patient("Mphatso", ref="m-1"), patient("Tawonga", ref="m-2") | {"birthDate": "soon"}

    def bundle(*resources: dict[str, Any], id_: str | None = None) -> dict[str, Any]:
        return {
            "resourceType": "Bundle", "type": "transaction", "id": id_ or str(uuid.uuid4()),
            "entry": [{"resource": r, "request": {"method": "PUT", "url": f"Patient/{r['id']}"}} for r in resources],
        }  # fmt: skip

    refused = s.post(server.url, json=bundle(good, bad), timeout=10)
    assert refused.status_code == 400 and "Entry 1" in refused.json()["issue"][0]["diagnostics"]
    assert s.get(f"{server.url}/Patient/{good['id']}", timeout=10).status_code == 404  # nothing of it applied

    once = bundle(good, id_="push-LAPTOP1-0001")
    first = s.post(server.url, json=once, timeout=10)
    assert first.status_code == 200 and first.json()["entry"][0]["response"]["status"] == "201"
    again = s.post(server.url, json=once, timeout=10)  # the first answer was lost on the way
    assert again.json() == first.json()
    assert s.get(f"{server.url}/Patient/{good['id']}", timeout=10).headers["etag"] == 'W/"1"'


def test_search_by_identifier_and_last_updated_pages_with_count(server: CentralServer) -> None:
    s = server.session("olive", "LAPTOP1")
    for n in range(5):
        assert _put(s, server.url, patient(f"Search{n}", ref=f"search-{n}")).status_code == 201
    found = s.get(f"{server.url}/Patient", params={"identifier": "https://registry.example.org/member|search-3"},
                  timeout=10).json()  # fmt: skip
    assert found["total"] == 1 and found["entry"][0]["resource"]["name"][0]["given"] == ["Search3"]
    page = s.get(f"{server.url}/Patient", params={"_lastUpdated": "gt2020-01-01T00:00:00Z", "_count": "2"},
                 timeout=10).json()  # fmt: skip
    seen = [e["resource"]["id"] for e in page["entry"]]
    while nxt := [link["url"] for link in page["link"] if link["relation"] == "next"]:
        page = s.get(nxt[0], timeout=10).json()
        seen += [e["resource"]["id"] for e in page["entry"]]
    assert len(seen) == len(set(seen)) == page["total"] >= 5
    bad = s.get(f"{server.url}/Patient", params={"_lastUpdated": "yesterday"}, timeout=10)
    assert bad.status_code == 400 and "_lastUpdated" in bad.json()["issue"][0]["diagnostics"]


def test_each_user_sees_and_writes_only_their_own_districts(server: CentralServer) -> None:
    olive, nelson = server.session("olive", "LAPTOP1"), server.session("nelson", "LAPTOP1")
    mine, theirs = patient("Olive1", ref="scope-1"), patient("Nelson1", ref="scope-2", path=NSANJE + "V007/")
    assert _put(olive, server.url, mine).status_code == 201
    assert _put(olive, server.url, theirs).status_code == 403
    assert _put(nelson, server.url, theirs).status_code == 201
    assert nelson.get(f"{server.url}/Patient/{mine['id']}", timeout=10).status_code == 404
    listed = nelson.get(f"{server.url}/Patient", params={"identifier": "scope-1"}, timeout=10).json()
    assert listed["total"] == 0
    pulled = nelson.get(
        f"{server.url}/_history", params={"_cursor": "0", "_count": "1000"}, timeout=10
    ).json()
    paths = {tag["code"] for e in pulled["entry"] if "resource" in e for tag in e["resource"]["meta"]["tag"]}
    assert paths and all(p.startswith(NSANJE) for p in paths)
    ministry = server.session("ministry", "LAPTOP1")
    assert ministry.get(f"{server.url}/Patient/{mine['id']}", timeout=10).status_code == 200
    assert _put(ministry, server.url, patient("Reader")).status_code == 403


def test_the_sync_cursor_pages_oldest_first_and_ends_with_a_cursor_to_keep(server: CentralServer) -> None:
    s = server.session("admin", "LAPTOP1")
    start = s.get(f"{server.url}/_history", params={"_cursor": "0", "_count": "1000"}, timeout=10).json()
    cursor = next(link["url"] for link in start["link"] if link["relation"] == "next")
    written = [patient(f"Cursor{n}")["id"] for n in range(3)]
    for id_ in written:
        assert _put(s, server.url, patient("C", id_=id_)).status_code == 201
    page = s.get(cursor, timeout=10).json()
    assert [e["resource"]["id"] for e in page["entry"]] == written  # in the order they were written
    again = s.get(next(link["url"] for link in page["link"] if link["relation"] == "next"), timeout=10).json()
    assert again["entry"] == []


def test_an_expired_login_is_answered_401_and_a_retired_device_cannot_log_in(
    server: CentralServer, tmp_path: Path
) -> None:
    s = server.session("olive", "LAPTOP1")
    database = server.db.removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:  # what twelve hours do
        db.execute(
            "UPDATE tokens SET expires_at = '2000-01-01T00:00:00.000000+00:00' WHERE username = 'olive'"
        )
    expired = s.get(f"{server.url}/Patient", timeout=10)
    assert expired.status_code == 401 and "expired" in expired.json()["issue"][0]["diagnostics"]

    server.add_device("LAPTOP9")
    token = server.token("olive", "LAPTOP9")
    assert central("device", "retire", "LAPTOP9", db=server.db).returncode == 0
    retired = requests.get(f"{server.url}/Patient", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert retired.status_code == 401
    again = requests.post(f"{server.url}/auth/token",
                          data={"username": "olive", "password": "central-pass-1", "device": "LAPTOP9"}, timeout=10)  # fmt: skip
    assert again.status_code == 403


def test_an_independent_fhir_client_reads_the_capability_statement_searches_and_reads_history(
    server: CentralServer,
) -> None:
    from fhirclient import client
    from fhirclient.models.bundle import Bundle
    from fhirclient.models.patient import Patient

    s = server.session("olive", "LAPTOP1")
    body = patient("Independent", ref="fhirclient-1")
    _put(s, server.url, body)
    smart = client.FHIRClient(settings={"app_id": "cashdesk-test", "api_base": server.url + "/"})
    smart.server.session.headers["Authorization"] = s.headers["Authorization"]
    smart.prepare()
    assert smart.server.capabilityStatement.fhirVersion == "4.0.1"
    found = list(Patient.where(struct={"identifier": "fhirclient-1"}).perform_resources_iter(smart.server))
    assert [p.name[0].given for p in found] == [["Independent"]]
    history = Bundle.read_from(f"Patient/{body['id']}/_history", smart.server)
    assert history.type == "history" and history.entry[0].response.etag == 'W/"1"'


def test_the_operator_commands_refuse_bad_input_cleanly(server: CentralServer) -> None:
    done = central("user", "add", "x", "--role", "king", db=server.db)
    assert done.returncode == 1 and "king is not a role" in done.stderr
    done = central("user", "add", "pat", "--role", "pay_point_clerk", db=server.db)
    assert done.returncode == 1 and "--location" in done.stderr
    done = central("user", "add", "olive", "--role", "supervisor", db=server.db)
    assert done.returncode == 1 and "already a user olive" in done.stderr
    done = central("user", "add", "short", "--role", "reader", db=server.db, password="short")
    assert done.returncode == 1 and "10 characters" in done.stderr
    done = central("serve", db="mysql://nowhere")
    assert done.returncode == 1 and "--db takes" in done.stderr
