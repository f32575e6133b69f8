"""The route registry (``api/routes.py``): it matches Twilio's OpenAPI document, it
decides what is implemented, and ``IMPLEMENTED.md`` is generated from it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.api import implemented
from pytest_fakeconf.api.routes import REGISTRY, ROUTES
from pytest_fakeconf.api.routing import PathArgs, Router, Template

from . import oai

REPO = Path(__file__).resolve().parent.parent
DOC: dict[str, Any] = json.loads(oai._document_path().read_bytes())
UNIMPLEMENTED = "(pytest-fakeconf does not implement this endpoint)"


def test_implemented_md_is_up_to_date() -> None:
    expected = implemented.render(DOC)
    actual = (REPO / "IMPLEMENTED.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "IMPLEMENTED.md is out of date with the route registry; regenerate it with "
        f"`{implemented.COMMAND}`"
    )


def test_implemented_md_marks_exactly_the_registered_operations() -> None:
    text = implemented.render(DOC)
    done = {line.split()[2] for line in text.splitlines() if line.startswith("- ✅")}
    assert done == {
        "ListConference", "FetchConference", "UpdateConference",
        "CreateParticipant", "ListParticipant", "FetchParticipant", "UpdateParticipant",
        "DeleteParticipant", "ListConferenceRecording", "FetchConferenceRecording",
        "UpdateConferenceRecording", "DeleteConferenceRecording",
        "CreateCall", "ListCall", "FetchCall", "UpdateCall", "DeleteCall",
        "ListRecording", "FetchRecording", "DeleteRecording",
    }  # fmt: skip
    missing = [line for line in text.splitlines() if line.startswith("- ❌")]
    total = sum(
        method in item
        for template, item in DOC["paths"].items()
        if template.startswith("/2010-04-01/Accounts/{AccountSid}/")
        or template == "/2010-04-01/Accounts/{Sid}.json"
        for method in ("get", "post", "put", "patch", "delete")
    )
    assert len(done) + len(missing) == total
    assert f"{len(done)} of {total} operations implemented" in text
    assert "- ✅ CreateCall `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`" in text
    calls = "/2010-04-01/Accounts/{AccountSid}/Calls"
    assert f"- ❌ CreateCallRecording `POST {calls}/{{CallSid}}/Recordings.json`" in text
    assert "- ❌ FetchAccount `GET /2010-04-01/Accounts/{Sid}.json`" in text
    assert "## Conferences (12/12)" in text


def test_the_generator_prints_the_file(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest_fakeconf.api.implemented", str(oai._document_path())],
        capture_output=True,
        check=True,
        cwd=tmp_path,
    )
    assert out.stdout.decode("utf-8") == implemented.render(DOC)
    missing = subprocess.run(
        [sys.executable, "-m", "pytest_fakeconf.api.implemented", str(tmp_path / "nope.json")],
        capture_output=True,
        cwd=tmp_path,
    )
    assert missing.returncode == 1 and b"FAKECONF_TWILIO_OAI" in missing.stderr


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.operation_id)
def test_every_route_is_an_operation_of_twilios_document(route: Any) -> None:
    item = DOC["paths"].get(route.template)
    assert item is not None, f"{route.template} is not a path of Twilio's document"
    operation = item.get(route.method.lower())
    assert operation is not None, f"{route.method} {route.template} is not in the document"
    assert operation["operationId"] == route.operation_id
    envelope = operation["responses"].get("200", {}).get("content", {})
    properties = envelope.get("application/json", {}).get("schema", {}).get("properties", {})
    assert (route.list_key is not None) == route.operation_id.startswith("List")
    if route.list_key is not None:
        assert route.list_key in properties  # the key Twilio's list envelope uses


def test_each_method_and_template_is_declared_once() -> None:
    keys = [(r.method, r.template) for r in ROUTES]
    assert len(keys) == len(set(keys))
    with pytest.raises(ValueError, match="declared twice"):
        Router([ROUTES[0], ROUTES[0]])


def test_templates_compile_to_one_segment_per_parameter() -> None:
    template = Template.compile("/A/{AccountSid}/B/{Sid}.json")
    assert template.names == ("AccountSid", "Sid")
    args = template.match("/A/AC1/B/CF%202.json")
    assert isinstance(args, PathArgs)
    assert dict(args) == {"AccountSid": "AC1", "Sid": "CF%202"}
    assert args.account_sid == "AC1"
    for path in ("/A/AC1/B/x/y.json", "/A/AC1/B/.json", "/A/AC1/B/x.json/", "/A/AC1/B/x.jsonx"):
        assert template.match(path) is None, path
    with pytest.raises(ValueError, match="repeats"):
        Template.compile("/{Sid}/{Sid}")


def test_the_registry_resolves_a_known_path_and_its_methods() -> None:
    base = "/2010-04-01/Accounts/AC1/Conferences/CF2"
    found = REGISTRY.resolve("DELETE", f"{base}/Participants/CA3.json")
    assert found is not None and found.route is not None
    assert found.route.operation_id == "DeleteParticipant"
    assert dict(found.args) == {"AccountSid": "AC1", "ConferenceSid": "CF2", "CallSid": "CA3"}
    wrong = REGISTRY.resolve("DELETE", f"{base}.json")
    assert wrong is not None and wrong.route is None
    assert set(wrong.allowed) == {"GET", "POST"}
    assert REGISTRY.resolve("GET", f"{base}/Nope.json") is None


# -- list keys -------------------------------------------------------------------------------


def _list_paths(fake: FakeTwilio) -> dict[str, str]:
    """operationId -> a concrete path of every list operation, for a live conference."""
    room = fake.create_conference("Listed")
    room.add_participant(label="a")
    concrete = {"{AccountSid}": fake.account_sid, "{ConferenceSid}": room.sid}
    paths = {}
    for route in ROUTES:
        if route.list_key is not None:
            path = route.template
            for name, value in concrete.items():
                path = path.replace(name, value)
            paths[route.operation_id] = path
    return paths


def test_every_list_response_uses_the_registrys_list_key(
    fakeconf: FakeTwilio, http: requests.Session
) -> None:
    """(Every response the suite sees is also checked by oai.validate_response.)"""
    expected = {"ListConference": "conferences", "ListParticipant": "participants",
                "ListConferenceRecording": "recordings", "ListCall": "calls",
                "ListRecording": "recordings"}  # fmt: skip
    paths = _list_paths(fakeconf)
    assert set(paths) == set(expected)
    keys = {route.operation_id: route.list_key for route in ROUTES if route.list_key}
    assert keys == expected
    for operation_id, path in paths.items():
        response = http.get(f"https://api.twilio.com{path}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) - set(oai._ENVELOPE_KEYS) == {expected[operation_id]}


# -- what is implemented -----------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    [
        "/Calls.csv",
        "/Messages.json",
        "/Calls/CA00000000000000000000000000000000/Recordings.json",
        "/Conferences",
        "/Conferences/{room}/Nope.json",
        "/Conferences/{room}/Participants/a/Extra.json",
        "/Conferences.xml",
    ],
)
def test_a_path_no_route_declares_is_a_404_that_says_so(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, suffix: str
) -> None:
    room = fakeconf.create_conference("Room")
    response = http.get(account_url + suffix.replace("{room}", room.sid))
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == 20404
    assert body["message"].endswith(f"was not found {UNIMPLEMENTED}")


@pytest.mark.parametrize(
    "suffix",
    [
        "/Conferences/CF00000000000000000000000000000000.json",
        "/Conferences/not-a-sid.json",
        "/Conferences/CF00000000000000000000000000000000/Participants/CA1.json",
        "/Conferences/CF00000000000000000000000000000000/Recordings.json",
        "/Conferences/{room}/Recordings/RE00000000000000000000000000000000.json",
        "/Conferences/{room}/Participants/nobody.json",
    ],
)
def test_a_missing_record_on_a_declared_route_is_a_plain_404(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, suffix: str
) -> None:
    room = fakeconf.create_conference("Room")
    response = http.get(account_url + suffix.replace("{room}", room.sid))
    assert response.status_code == 404
    assert response.json()["code"] == 20404
    assert response.json()["message"].endswith("was not found")


def test_a_declared_path_with_a_method_it_does_not_take_is_405(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Room")
    for method, suffix in [
        ("POST", "/Conferences.json"),
        ("DELETE", f"/Conferences/{room.sid}.json"),
        ("PUT", f"/Conferences/{room.sid}/Participants.json"),
        ("POST", f"/Conferences/{room.sid}/Recordings.json"),
    ]:
        response = http.request(method, account_url + suffix)
        assert response.status_code == 405, (method, suffix)
        assert response.json()["code"] == 20004
