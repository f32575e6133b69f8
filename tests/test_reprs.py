"""The public objects print as what they are, and document their fields.

For every class among ``pytest_fakeconf.__all__``: its repr shows meaningful public
fields (a SID, a status, …) and never internals (a private field, a lambda, an object
address, a mapping proxy); each public field is documented, in the class docstring
(``name`` in double backticks, or ``name:`` in an ``Attributes:`` list) or in the
property's own docstring; and docs/objects.md has a section naming every field.
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from twilio.rest import Client

import pytest_fakeconf
from pytest_fakeconf import FakeTwilio

ROOT = Path(__file__).resolve().parent.parent
UTC = datetime.timezone.utc
INTERNALS = re.compile(r"\b_\w+=|object at 0x|lambda|mappingproxy|<function|<bound method")


def _voice(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/xml")])
    return [b"<Response><Say>Hi</Say><Record/></Response>"]


@pytest.fixture
def instances() -> Iterator[dict[str, list[Any]]]:
    """One or more instances of every public class, in the states worth printing."""
    with FakeTwilio(seed="reprs") as fake:
        client = Client(fake.account_sid, fake.auth_token)
        room = fake.create_conference("Board")
        agent = room.add_participant(label="agent")
        muted = room.add_participant(muted=True, hold=True)
        ended = fake.create_conference("Done", status="completed")
        fake.route_webhooks("https://myapp.example", _voice)
        call = client.calls.create(
            to="+15558675310", from_="+15017122661", url="https://myapp.example/v"
        )
        recorded = fake.create_conference("Rec", status="init")
        recorded_sid = recorded.sid
        client.conferences(recorded_sid).participants.create(
            from_="+15005550006", to="+15005550001", conference_record="true"
        )
        client.conferences(recorded_sid).participants.create(
            from_="+15005550006", to="+15005550002"
        )
        recording = recorded.recordings[0]
        live_recording_repr = repr(recording)
        recorded.end()
        fault = fake.inject_fault(429, path="/Conferences.json", retry_after=1)
        fake.inject_fault(error="connection", method="GET", path="/Calls.json")
        with pytest.raises(requests.ConnectionError):
            client.calls.list()
        unrouted = client.conferences(room.sid).participants.create(
            from_="+15005550006",
            to="+15005550003",
            status_callback="https://nowhere.example/status",  # no route: not delivered
        )
        client.conferences(room.sid).participants(unrouted.call_sid).delete()
        scheduled = room.end(at=datetime.datetime.now(UTC) + datetime.timedelta(hours=1))
        yield {
            "ConferenceHandle": [room, ended],
            "ParticipantHandle": [agent, muted],
            "CallHandle": [fake.get_call(call.sid), fake.get_call(muted.call_sid)],
            "RecordingHandle": [recording, live_recording_repr],
            "FakeTwilio": [fake],
            "ApiKey": [fake.create_api_key()],
            "Event": fake.events[:3],
            "Alert": fake.alerts,
            "WebhookDelivery": [fake.webhooks[0], fake.webhooks[-1]],
            "RecordedRequest": [*fake.requests[:2], fake.requests[-3]],
            "Fault": [fault],
            "LogEntry": fake.get_call(call.sid).log,
            "Scheduled": [scheduled],
            "TwilioError": [pytest_fakeconf.TwilioError(400, 20001, "bad")],
            "NotFoundError": [pytest_fakeconf.NotFoundError("/x")],
            "FakeconfError": [pytest_fakeconf.FakeconfError("the fake stopped a loop")],
            "JournalCount": list(fake.journal_counts.values()),
        }


def public_classes() -> list[str]:
    return [
        name
        for name in pytest_fakeconf.__all__
        if inspect.isclass(getattr(pytest_fakeconf, name))
        and not name.startswith("_")
        and getattr(pytest_fakeconf, name).__module__.startswith("pytest_fakeconf")
    ]


# What each repr must show (a SID, a status, a code, …): the meaningful fields.
SHOWN: dict[str, Callable[[Any], list[str]]] = {
    "ConferenceHandle": lambda o: [o.sid, o.friendly_name, o.status],
    "ParticipantHandle": lambda o: [o.call_sid, o.status, o.conference_sid],
    "CallHandle": lambda o: [o.sid, o.status, o.direction, o.to],
    "RecordingHandle": lambda o: [o.sid, o.status, o.conference_sid],
    "FakeTwilio": lambda o: [o.account_sid],
    "ApiKey": lambda o: [o.sid, o.account_sid],
    "Event": lambda o: [o.kind, o.conference_sid],
    "Alert": lambda o: [str(o.code), o.message],
    "WebhookDelivery": lambda o: [o.kind, o.url, str(o.status_code)],
    "RecordedRequest": lambda o: [o.method, o.path, str(o.status_code)],
    "Fault": lambda o: [str(o.status), str(o.hits)],
    "LogEntry": lambda o: [o.verb, o.text],
    "Scheduled": lambda o: [o.what],
    "TwilioError": lambda o: [str(o.code), o.message],
    "NotFoundError": lambda o: [str(o.code), o.message],
    "FakeconfError": lambda o: [str(o)],
    "JournalCount": lambda o: [f"recorded={o.recorded}", f"dropped={o.dropped}"],
}


def test_every_public_class_is_checked() -> None:
    assert sorted(public_classes()) == sorted(SHOWN)


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_repr_shows_public_fields_only(name: str, instances: dict[str, list[Any]]) -> None:
    examples = instances[name]
    assert examples, f"no {name} to print"
    for example in examples:
        shown = example if isinstance(example, str) else repr(example)
        assert not INTERNALS.search(shown), shown
        if not isinstance(example, str):
            for value in SHOWN[name](example):
                assert value in shown, (value, shown)


def test_secrets_are_not_printed(instances: dict[str, list[Any]]) -> None:
    (fake,) = instances["FakeTwilio"]
    (key,) = instances["ApiKey"]
    shown = " ".join(repr(x) for xs in instances.values() for x in xs if not isinstance(x, str))
    assert fake.auth_token not in shown
    assert key.secret not in shown
    assert "Authorization" not in shown


def test_reprs_follow_state(instances: dict[str, list[Any]]) -> None:
    room, ended = instances["ConferenceHandle"]
    assert "last-participant-left" in repr(ended) and "completed" in repr(ended)
    assert repr(room).endswith("in-progress>")
    agent, muted = instances["ParticipantHandle"]
    assert " muted hold" in repr(muted) and "muted" not in repr(agent)
    recording, live = instances["RecordingHandle"]
    assert "duration=" in repr(recording) and "duration=" not in live
    call, leg = instances["CallHandle"]
    assert " in CF" in repr(leg) and " in CF" not in repr(call)
    first, _, failed = instances["RecordedRequest"]
    assert "params={'" in repr(first) and "error=" not in repr(first)
    assert repr(failed).endswith("status_code=0, error='connection')")
    voice, undelivered = instances["WebhookDelivery"]
    assert "error=" not in repr(voice)
    assert "status_code=None, error='" in repr(undelivered), repr(undelivered)


def public_fields(cls: type, example: Any) -> set[str]:
    """Dataclass fields, public properties and public instance attributes."""
    names = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    names |= {n for n, v in inspect.getmembers(cls) if isinstance(v, property)}
    names |= set(getattr(example, "__dict__", {}))
    return {n for n in names if not n.startswith("_")} - {"args"}  # BaseException.args


def documented(cls: type, name: str) -> bool:
    """Named in the docstring of the class (or of the base class it inherits it from),
    or a property with a docstring of its own."""
    for owner in cls.__mro__:
        doc = inspect.cleandoc(owner.__doc__ or "") if owner.__module__ != "builtins" else ""
        if f"``{name}``" in doc or re.search(rf"^\s+{re.escape(name)}( \(.*\))?:", doc, re.M):
            return True
    attribute = inspect.getattr_static(cls, name, None)
    return isinstance(attribute, property) and bool((attribute.__doc__ or "").strip())


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_fields_are_documented(name: str, instances: dict[str, list[Any]]) -> None:
    cls = getattr(pytest_fakeconf, name)
    example = next(x for x in instances[name] if not isinstance(x, str))
    missing = sorted(f for f in public_fields(cls, example) if not documented(cls, f))
    assert missing == [], f"{name}: fields not documented in its docstring"


def objects_page_sections() -> dict[str, str]:
    text = (ROOT / "docs" / "objects.md").read_text(encoding="utf-8")
    parts = re.split(r"^## `?(\w+)`?[^\n]*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_the_objects_page_lists_every_field(name: str, instances: dict[str, list[Any]]) -> None:
    section = objects_page_sections().get(name)
    assert section is not None, f"docs/objects.md has no section {name}"
    example = next(x for x in instances[name] if not isinstance(x, str))
    missing = sorted(
        f for f in public_fields(getattr(pytest_fakeconf, name), example) if f"`{f}`" not in section
    )
    assert missing == [], f"docs/objects.md, {name}: fields not listed"


def test_the_checks_can_fail() -> None:
    class Loose:
        """Has ``documented``."""

        documented = 1

        @property
        def bare(self) -> int:
            return 1

        @property
        def explained(self) -> int:
            """Explained here."""
            return 1

    assert documented(Loose, "documented") and documented(Loose, "explained")
    assert not documented(Loose, "bare")
    assert public_fields(Loose, Loose()) == {"bare", "explained"}
    assert INTERNALS.search("Scheduled(_entry=_Entry(action=<function f.<locals>.<lambda>>))")
    assert not INTERNALS.search("<ConferenceHandle CF… 'Board' in-progress>")
