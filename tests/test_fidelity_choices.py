"""Issue 12: the choices of FIDELITY.md, each through the real twilio client.

The list default (F01), a recording's call SID, processing and absence (F21-F25),
a failed first dial (F30, in test_participants_http.py), the small wire differences
(F40-F43), and the register itself: every ``FIDELITY: Fnn`` tag in the code names an
entry of FIDELITY.md, and every entry names code that exists.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server.cli import build_parser

UTC = dt.timezone.utc
T0 = dt.datetime(2030, 1, 1, 10, 0, 0, tzinfo=UTC)  # a Tuesday, the 1st: unpadded "1"
CALLER = "+15005550006"
ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "pytest_fakeconf"
HOOK = "https://app.example.com/hook"


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(T0) as factory:
        assert isinstance(factory, FrozenDateTimeFactory)
        yield factory


def statuses_listed(client: Client, **kwargs: object) -> list[str]:
    return sorted(c.status for c in client.conferences.list(**kwargs))  # type: ignore[arg-type]


def three_rooms(fake: FakeTwilio) -> None:
    fake.create_conference("Waiting", status="init")
    fake.create_conference("Live")
    fake.create_conference("Over", status="completed")


# -- F01: what a list without Status returns ---------------------------------------------


def test_by_default_a_list_without_status_has_only_in_progress_conferences(
    fakeconf: FakeTwilio, client: Client
) -> None:
    three_rooms(fakeconf)
    assert statuses_listed(client) == ["in-progress"]
    assert statuses_listed(client, status="init") == ["init"]
    assert statuses_listed(client, status="completed") == ["completed"]


@pytest.mark.fakeconf(conference_list_default="all")
def test_the_marker_restores_the_legacy_default_every_status(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    three_rooms(fakeconf)
    assert statuses_listed(client) == ["completed", "in-progress", "init"]
    # an explicit Status still filters; the page URIs carry only what was sent
    assert statuses_listed(client, status="in-progress") == ["in-progress"]
    body = http.get(f"{account_url}/Conferences.json").json()
    assert body["uri"].endswith("/Conferences.json?PageSize=50&Page=0")


@pytest.mark.parametrize("default", ["in-progress", "all"])
def test_the_constructor_takes_the_default(default: str) -> None:
    with FakeTwilio(conference_list_default=default) as fake:  # type: ignore[arg-type]
        three_rooms(fake)
        client = Client(fake.account_sid, fake.auth_token)
        expected = (
            ["in-progress"] if default == "in-progress" else ["completed", "in-progress", "init"]
        )
        assert statuses_listed(client) == expected


def test_an_unknown_default_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="conference_list_default must be one of in-progress, all"):
        FakeTwilio(conference_list_default="completed")  # type: ignore[arg-type]


def test_the_server_flag_takes_the_default() -> None:
    parser = build_parser()
    assert parser.parse_args(["serve"]).conference_list_default == "in-progress"
    args = parser.parse_args(["serve", "--conference-list-default", "all"])
    assert args.conference_list_default == "all"
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--conference-list-default", "completed"])


def test_server_mode_answers_with_the_default_it_was_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pytest_fakeconf.server import FakeconfServer, cli

    built: list[FakeTwilio] = []

    class Built(Exception):
        pass

    def capture(fake: FakeTwilio, **_: object) -> None:
        built.append(fake)
        raise Built

    monkeypatch.setattr(cli, "FakeconfServer", capture)
    with pytest.raises(Built):
        cli.main(["serve", "--port", "0", "--conference-list-default", "all"])
    (fake,) = built
    with FakeconfServer(fake, port=0) as server:
        three_rooms(fake)
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = server.base_url
        assert statuses_listed(client) == ["completed", "in-progress", "init"]


# -- F21-F25: recordings -------------------------------------------------------------------


def recorded_conference(client: Client, frozen: FrozenDateTimeFactory, **extra: object) -> tuple:
    first = client.conferences("Board").participants.create(
        from_=CALLER,
        to="+15005550001",
        conference_record="record-from-start",
        conference_recording_status_callback=HOOK,
        conference_recording_status_callback_event=["in-progress", "completed", "absent"],
        **extra,
    )
    frozen.tick(dt.timedelta(seconds=30))
    second = client.conferences("Board").participants.create(from_=CALLER, to="+15005550002")
    return first.conference_sid, first.call_sid, second.call_sid


def test_a_recording_names_the_call_whose_join_started_it(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    sid, first, second = recorded_conference(client, frozen)
    (recording,) = client.conferences(sid).recordings.list()
    assert recording.call_sid == second != first
    assert client.conferences(sid).recordings(recording.sid).fetch().call_sid == second
    # the account's list finds it by that call
    assert [r.sid for r in client.recordings.list(call_sid=second)] == [recording.sid]
    assert client.recordings.list(call_sid=first) == []


def test_a_stopped_recording_is_processing_for_the_time_a_test_sets(
    frozen: FrozenDateTimeFactory,
) -> None:
    with FakeTwilio(recording_processing=dt.timedelta(seconds=90)) as fake:
        client = Client(fake.account_sid, fake.auth_token)
        sid, _, _ = recorded_conference(client, frozen)
        frozen.tick(dt.timedelta(seconds=10))
        client.conferences(sid).update(status="completed")
        (recording,) = client.conferences(sid).recordings.list()
        assert (recording.status, recording.duration, recording.price) == ("processing", None, None)
        frozen.tick(dt.timedelta(seconds=89))
        assert client.conferences(sid).recordings(recording.sid).fetch().status == "processing"
        frozen.tick(dt.timedelta(seconds=1))
        done = client.conferences(sid).recordings(recording.sid).fetch()
        assert (done.status, done.duration, done.price) == ("completed", "10", "-0.0025")
        assert done.date_updated == T0 + dt.timedelta(seconds=130)
        sent = [w.params["RecordingStatus"] for w in fake.webhooks if w.kind == "recording-status"]
        assert sent == ["in-progress", "completed"]


@pytest.mark.fakeconf(recording_processing=dt.timedelta(seconds=5))
def test_the_marker_takes_the_processing_time(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    sid, _, _ = recorded_conference(client, frozen)
    frozen.tick(dt.timedelta(seconds=3))
    client.conferences(sid).update(status="completed")
    assert client.conferences(sid).recordings.list()[0].status == "processing"
    frozen.tick(dt.timedelta(seconds=5))
    assert client.conferences(sid).recordings.list()[0].status == "completed"


def test_a_negative_processing_time_is_refused() -> None:
    with pytest.raises(ValueError, match="recording_processing"):
        FakeTwilio(recording_processing=dt.timedelta(seconds=-1))


def test_a_recording_under_a_second_is_absent_with_16101(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    sid, _, _ = recorded_conference(client, frozen)
    client.conferences(sid).update(status="completed")  # the same second it started
    (recording,) = client.conferences(sid).recordings.list()
    assert (recording.status, recording.error_code) == ("absent", 16101)
    assert (recording.price, recording.price_unit) == (None, None)
    sent = [w.params for w in fakeconf.webhooks if w.kind == "recording-status"]
    assert [p["RecordingStatus"] for p in sent] == ["in-progress", "absent"]
    assert sent[-1]["ErrorCode"] == "16101"
    assert "ErrorCode" not in sent[0]


def test_a_completed_recording_has_no_error_code(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    sid, _, _ = recorded_conference(client, frozen)
    frozen.tick(dt.timedelta(seconds=1))
    client.conferences(sid).update(status="completed")
    (recording,) = client.conferences(sid).recordings.list()
    assert (recording.status, recording.error_code, recording.duration) == ("completed", None, "1")


# -- F40-F43: small wire differences -------------------------------------------------------


def test_an_init_conference_is_in_region_unknown_until_it_starts(
    fakeconf: FakeTwilio, client: Client
) -> None:
    first = client.conferences("Room").participants.create(
        from_=CALLER, to="+15005550001", region="de1"
    )
    conference = client.conferences(first.conference_sid)
    assert (conference.fetch().status, conference.fetch().region) == ("init", "unknown")
    client.conferences("Room").participants.create(from_=CALLER, to="+15005550002")
    assert (conference.fetch().status, conference.fetch().region) == ("in-progress", "de1")


def test_a_conference_list_item_has_the_list_examples_key_order(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Room")
    (item,) = http.get(f"{account_url}/Conferences.json").json()["conferences"]
    assert list(item)[:3] == ["status", "region", "sid"]
    assert list(item) == [
        "status", "region", "sid", "date_updated", "date_created", "subresource_uris",
        "friendly_name", "uri", "api_version", "account_sid", "reason_conference_ended",
        "call_sid_ending_conference",
    ]  # fmt: skip
    fetched = http.get(f"{account_url}/Conferences/{room.sid}.json").json()
    assert list(fetched)[:3] == ["account_sid", "api_version", "date_created"]
    assert dict(item) == fetched


def test_conference_callback_timestamps_have_an_unpadded_day(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    client.conferences("Room").participants.create(
        from_=CALLER, to="+15005550001", conference_status_callback=HOOK
    )
    client.conferences("Room").participants.create(from_=CALLER, to="+15005550002")
    (start,) = [w.params for w in fakeconf.webhooks if w.kind == "conference-status"]
    assert start["StatusCallbackEvent"] == "conference-start"
    assert start["Timestamp"] == "Tue, 1 Jan 2030 10:00:00 +0000"


# -- the register ----------------------------------------------------------------------------

TAG = re.compile(r"FIDELITY:?\s+(F\d\d)((?:,\s*F\d\d)*)")
ENTRY = re.compile(r"^### (F\d\d)\b", re.M)
CODE = re.compile(r"`((?:pytest_fakeconf\.)?[a-z_]+(?:\.[a-z_]+)*):([A-Za-z_][A-Za-z_0-9.]*)`")


def register() -> str:
    return (ROOT / "FIDELITY.md").read_text(encoding="utf-8")


def test_every_fidelity_tag_in_the_code_has_an_entry() -> None:
    entries = set(ENTRY.findall(register()))
    tagged: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in TAG.finditer(text):
            ids = [match.group(1), *re.findall(r"F\d\d", match.group(2))]
            for entry in ids:
                tagged.setdefault(entry, []).append(str(path.relative_to(PACKAGE)))
    assert tagged, "no FIDELITY tags found"
    missing = {entry: where for entry, where in tagged.items() if entry not in entries}
    assert not missing, f"tags without an entry in FIDELITY.md: {missing}"


def test_every_entry_names_code_that_exists() -> None:
    text = register()
    starts = [(m.group(1), m.start()) for m in ENTRY.finditer(text)]
    assert starts, "FIDELITY.md has no entries"
    ids = [entry for entry, _ in starts]
    assert len(ids) == len(set(ids)), "an entry id is used twice"
    for (entry, start), (_, end) in zip(starts, [*starts[1:], ("", len(text))], strict=True):
        body = text[start:end]
        for field in ("Evidence for", "Evidence against", "Level", "Code"):
            assert f"**{field}**" in body, f"{entry} lacks {field}"
        level = re.search(r"\*\*Level\*\*: (\S+)", body)
        assert level and level.group(1).rstrip(".;,") in {
            "documented", "example-only", "SDK-inferred", "guessed",
        }, f"{entry}: level {level and level.group(1)!r}"  # fmt: skip
        names = CODE.findall(body)
        assert names, f"{entry} names no module:function"
        for module, qualname in names:
            full = module if module.startswith("pytest_fakeconf") else f"pytest_fakeconf.{module}"
            obj: object = importlib.import_module(full)
            for part in qualname.split("."):
                assert hasattr(obj, part), f"{entry}: {module}:{qualname} does not exist"
                obj = getattr(obj, part)


# -- participant-modify: only the four documented attributes --------------------------------


def test_a_new_coach_target_alone_is_no_participant_modify(
    fakeconf: FakeTwilio, client: Client
) -> None:
    # "At least one of a participant's attributes has been modified: BeepOnExit,
    # EndConferenceOnExit, Coaching, WaitUrl" ([DOC-TWIML] §4.1)
    room = fakeconf.create_conference("Room")
    first = room.add_participant(label="first")
    second = room.add_participant(label="second")
    coach = room.add_participant(label="coach", coaching=True, call_sid_to_coach=first.call_sid)
    before = len(fakeconf.events)
    updated = (
        client.conferences(room.sid)
        .participants(coach.call_sid)
        .update(call_sid_to_coach=second.call_sid)
    )
    assert updated.call_sid_to_coach == second.call_sid
    assert [e.kind for e in fakeconf.events[before:]] == []
    client.conferences(room.sid).participants(coach.call_sid).update(coaching=False)
    assert [e.kind for e in fakeconf.events[before:]] == ["participant-modify"]
