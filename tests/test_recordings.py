"""Conference recordings: how ConferenceRecord creates one, pausing, resuming,
stopping, completing at the conference's end, listing, paging and deleting.

References are to ``shared/reference/twilio-conference-api.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from urllib.parse import quote, urlsplit

import pytest
import requests
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from twilio.rest.api.v2010.account.conference.participant import ParticipantInstance

from pytest_fakeconf import FakeTwilio, TwilioError

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
CALLER = "+15005550006"
API = "https://api.twilio.com"
RECORDING_KEYS = [
    "account_sid",
    "api_version",
    "call_sid",
    "conference_sid",
    "channels",
    "date_created",
    "date_updated",
    "start_time",
    "price",
    "price_unit",
    "duration",
    "sid",
    "source",
    "status",
    "error_code",
    "encryption_details",
    "uri",
]
# Twilio's rate for recording: $0.0025 a minute (the OpenAPI fetch example
# bills a 4 s recording "-0.0025" USD).
PER_MINUTE = Decimal("0.0025")


def seconds(n: int) -> dt.timedelta:
    return dt.timedelta(seconds=n)


def expected_price(duration: int) -> Decimal:
    """Negative, per started minute, at least one minute."""
    minutes = max(1, -(-duration // 60))
    return -PER_MINUTE * minutes


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(T0) as factory:
        assert isinstance(factory, FrozenDateTimeFactory)
        yield factory


def dial(client: Client, conference: str, to: str, **kwargs: object) -> ParticipantInstance:
    return client.conferences(conference).participants.create(from_=CALLER, to=to, **kwargs)


def start_recorded(
    client: Client,
    frozen: FrozenDateTimeFactory,
    name: str = "Board",
    record: str | None = "record-from-start",
    wait: int = 60,
) -> tuple[str, dt.datetime]:
    """A conference whose first participant asked for ``record``; the second
    joins ``wait`` seconds later and starts it. Returns its SID and start."""
    extra = {} if record is None else {"conference_record": record}
    first = dial(client, name, "+15005550001", **extra)
    frozen.tick(seconds(wait))
    dial(client, name, "+15005550002")
    started = dt.datetime.now(UTC).replace(microsecond=0)
    return first.conference_sid, started


def recordings_url(account_url: str, conference_sid: str) -> str:
    return f"{account_url}/Conferences/{conference_sid}/Recordings.json"


def recording_url(account_url: str, conference_sid: str, sid: str) -> str:
    return f"{account_url}/Conferences/{conference_sid}/Recordings/{quote(sid)}.json"


def only_recording(client: Client, conference_sid: str) -> str:
    recordings = client.conferences(conference_sid).recordings.list()
    assert len(recordings) == 1
    sid = recordings[0].sid
    assert sid is not None
    return str(sid)


def assert_twilio_error(response: requests.Response, status: int) -> dict[str, object]:
    """Twilio's legacy error body (§2.1): four keys in order, more_info from the code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["code", "message", "more_info", "status"]
    assert body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
    assert isinstance(body["message"], str) and body["message"]
    return body  # type: ignore[no-any-return]


def assert_not_found(response: requests.Response) -> None:
    body = assert_twilio_error(response, 404)
    path = urlsplit(str(response.request.url)).path
    assert body["code"] == 20404
    assert body["message"] == f"The requested resource {path} was not found"


# -- how a recording comes into being --------------------------------------------


@pytest.mark.parametrize("record", ["record-from-start", "true"])
def test_conference_record_creates_one_recording_when_the_conference_starts(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    record: str,
) -> None:
    first = dial(client, "Board", "+15005550001", conference_record=record)
    sid = first.conference_sid
    assert sid is not None
    # one participant: the conference is init and nothing is recorded (hold music never is)
    assert client.conferences(sid).fetch().status == "init"
    assert client.conferences(sid).recordings.list() == []
    frozen.tick(seconds(75))
    second = dial(client, "Board", "+15005550002")
    started = T0 + seconds(75)
    assert client.conferences(sid).fetch().status == "in-progress"

    body = http.get(recordings_url(account_url, sid)).json()
    assert len(body["recordings"]) == 1
    item = body["recordings"][0]
    assert list(item) == RECORDING_KEYS
    assert re.fullmatch(r"RE[0-9a-f]{32}", item["sid"])
    assert item["account_sid"] == fakeconf.account_sid
    assert item["conference_sid"] == sid
    assert item["source"] == "Conference"  # "Conference is returned for Conference recordings"
    assert item["channels"] == 1  # "Only 1 channel is supported for Conference recordings"
    assert item["status"] == "in-progress"
    # "the recording begins when the first two participants are bridged" (§6)
    assert item["start_time"] == "Wed, 01 May 2024 10:01:15 +0000"
    assert item["date_created"] == item["start_time"]
    assert item["price"] is None and item["price_unit"] is None and item["duration"] is None
    assert item["error_code"] is None
    # a list item's uri is the list's, as Twilio's only list example shows (FIDELITY F42)
    assert item["uri"] == (
        f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{sid}/Recordings.json"
    )
    # the participant whose join started the recording (FIDELITY F21)
    assert item["call_sid"] == second.call_sid

    fetched = client.conferences(sid).recordings(item["sid"]).fetch()
    assert fetched.uri == (
        f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{sid}"
        f"/Recordings/{item['sid']}.json"
    )
    assert fetched.start_time == started
    assert fetched.status == "in-progress"
    room = fakeconf.get_conference(sid)
    assert [(r.sid, r.status, r.start_time, r.duration, r.price) for r in room.recordings] == [
        (item["sid"], "in-progress", started, None, None)
    ]
    assert [e.kind for e in fakeconf.events if e.kind.startswith("recording-")] == [
        "recording-in-progress"
    ]


def test_start_time_is_when_the_moderator_starts_the_conference(
    client: Client, frozen: FrozenDateTimeFactory
) -> None:
    # Two waiting participants do not start a conference; the moderator does.
    first = dial(
        client,
        "Panel",
        "+15005550001",
        conference_record="record-from-start",
        start_conference_on_enter=False,
    )
    sid = first.conference_sid
    assert sid is not None
    frozen.tick(seconds(30))
    dial(client, "Panel", "+15005550002", start_conference_on_enter=False)
    assert client.conferences(sid).fetch().status == "init"
    assert client.conferences(sid).recordings.list() == []
    frozen.tick(seconds(90))
    dial(client, "Panel", "+15005550003")
    (recording,) = client.conferences(sid).recordings.list()
    assert recording.start_time == T0 + seconds(120)
    assert recording.date_created == T0 + seconds(120)


@pytest.mark.parametrize("record", [None, "do-not-record", "false"])
def test_no_recording_without_conference_record(
    client: Client, frozen: FrozenDateTimeFactory, record: str | None
) -> None:
    sid, _ = start_recorded(client, frozen, record=record)
    assert client.conferences(sid).fetch().status == "in-progress"
    frozen.tick(seconds(600))
    assert client.conferences(sid).recordings.list() == []
    client.conferences(sid).update(status="completed")
    assert client.conferences(sid).recordings.list() == []


@pytest.mark.parametrize(
    ("first", "second", "recorded"),
    [
        (None, "record-from-start", False),
        ("do-not-record", "true", False),
        ("record-from-start", "do-not-record", True),
    ],
)
def test_only_the_first_participants_conference_record_counts(
    client: Client,
    frozen: FrozenDateTimeFactory,
    first: str | None,
    second: str,
    recorded: bool,
) -> None:
    # Conference-wide settings come from the first participant (§5.4).
    created = dial(
        client, "Town hall", "+15005550001", **({"conference_record": first} if first else {})
    )
    sid = created.conference_sid
    assert sid is not None
    frozen.tick(seconds(5))
    dial(client, "Town hall", "+15005550002", conference_record=second)
    assert len(client.conferences(sid).recordings.list()) == int(recorded)


def test_each_conference_lists_only_its_own_recording(
    client: Client, http: requests.Session, account_url: str, frozen: FrozenDateTimeFactory
) -> None:
    rooms = []
    for name in ("Red", "Green", "Blue"):
        sid, _ = start_recorded(client, frozen, name=name, wait=10)
        rooms.append(sid)
    recordings = {sid: only_recording(client, sid) for sid in rooms}
    assert len(set(recordings.values())) == 3
    for sid in rooms:
        body = http.get(recordings_url(account_url, sid)).json()
        assert [r["sid"] for r in body["recordings"]] == [recordings[sid]]
        assert all(r["conference_sid"] == sid for r in body["recordings"])
        # a recording is not reachable through another conference
        other = next(s for s in rooms if s != sid)
        assert_not_found(http.get(recording_url(account_url, other, recordings[sid])))


# -- pause, resume, stop ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("behavior", "duration"),
    [
        # 20 s recorded, 45 s paused, 30 s recorded, then the conference ends
        ("skip", 20 + 30),  # "skip does not record during the pause period"
        ("silence", 20 + 45 + 30),  # "silence will replace the actual audio ... with silence"
        (None, 20 + 45 + 30),  # "the default is silence"
    ],
)
def test_pause_behavior_decides_whether_the_pause_counts(
    fakeconf: FakeTwilio,
    client: Client,
    frozen: FrozenDateTimeFactory,
    behavior: str | None,
    duration: int,
) -> None:
    sid, started = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(20))
    kwargs = {} if behavior is None else {"pause_behavior": behavior}
    paused = client.conferences(sid).recordings(rec).update(status="paused", **kwargs)
    # the update example while paused: duration, price, price_unit all null (§1.2)
    assert (paused.status, paused.duration, paused.price, paused.price_unit) == (
        "paused",
        None,
        None,
        None,
    )
    assert paused.date_updated == started + seconds(20)
    assert paused.date_created == started
    frozen.tick(seconds(45))
    resumed = client.conferences(sid).recordings(rec).update(status="in-progress")
    assert resumed.status == "in-progress"
    assert resumed.date_updated == started + seconds(65)
    frozen.tick(seconds(30))
    client.conferences(sid).update(status="completed")

    done = client.conferences(sid).recordings(rec).fetch()
    assert done.status == "completed"
    assert done.duration == str(duration)
    assert done.price is not None
    assert Decimal(done.price) == expected_price(duration)
    assert done.price_unit == "USD"
    assert fakeconf.get_conference(sid).recordings[0].duration == duration


@pytest.mark.parametrize(("behavior", "duration"), [("skip", 20), ("silence", 20 + 50)])
def test_conference_ending_while_paused_completes_the_recording(
    client: Client, frozen: FrozenDateTimeFactory, behavior: str, duration: int
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(20))
    client.conferences(sid).recordings(rec).update(status="paused", pause_behavior=behavior)
    frozen.tick(seconds(50))
    client.conferences(sid).update(status="completed")
    done = client.conferences(sid).recordings(rec).fetch()
    assert (done.status, done.duration, done.price_unit) == ("completed", str(duration), "USD")


def test_twilio_current_names_the_active_recording(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
) -> None:
    sid, started = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(10))
    paused = client.conferences(sid).recordings("Twilio.CURRENT").update(status="paused")
    assert (paused.sid, paused.status) == (rec, "paused")
    assert paused.uri.endswith(f"/Recordings/{rec}.json")
    frozen.tick(seconds(10))
    # a paused recording is still the current one
    resumed = client.conferences(sid).recordings("Twilio.CURRENT").update(status="in-progress")
    assert (resumed.sid, resumed.status) == (rec, "in-progress")
    frozen.tick(seconds(10))
    stopped = client.conferences(sid).recordings("Twilio.CURRENT").update(status="stopped")
    assert (stopped.sid, stopped.status) == (rec, "stopped")
    # nothing is active any more
    response = http.post(
        recording_url(account_url, sid, "Twilio.CURRENT"), data={"Status": "paused"}
    )
    assert_not_found(response)
    assert client.conferences(sid).recordings(rec).fetch().status == "completed"
    assert fakeconf.get_conference(sid).recordings[0].start_time == started


def test_twilio_current_is_404_without_a_recording(
    client: Client, http: requests.Session, account_url: str, frozen: FrozenDateTimeFactory
) -> None:
    sid, _ = start_recorded(client, frozen, record=None)
    with pytest.raises(TwilioRestException) as raised:
        client.conferences(sid).recordings("Twilio.CURRENT").update(status="paused")
    assert raised.value.status == 404
    assert raised.value.code == 20404
    response = http.post(
        recording_url(account_url, sid, "Twilio.CURRENT"), data={"Status": "stopped"}
    )
    assert_not_found(response)


def test_twilio_current_is_404_once_the_conference_ended(
    client: Client, http: requests.Session, account_url: str, frozen: FrozenDateTimeFactory
) -> None:
    sid, _ = start_recorded(client, frozen)
    frozen.tick(seconds(30))
    client.conferences(sid).update(status="completed")
    response = http.post(
        recording_url(account_url, sid, "Twilio.CURRENT"), data={"Status": "paused"}
    )
    assert_not_found(response)


def test_stop_completes_the_recording_and_the_conference_goes_on_unrecorded(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
) -> None:
    sid, started = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(125))
    response = http.post(recording_url(account_url, sid, rec), data={"Status": "stopped"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == RECORDING_KEYS
    assert body["status"] == "stopped"
    assert body["date_updated"] == "Wed, 01 May 2024 10:03:05 +0000"
    # The fake processes at once: the next read finds it completed.
    done = client.conferences(sid).recordings(rec).fetch()
    assert (done.status, done.duration, done.price_unit) == ("completed", "125", "USD")
    assert done.price is not None and Decimal(done.price) == expected_price(125)
    assert done.date_updated == started + seconds(125)

    # The conference keeps running. There is no API to start another conference
    # recording (no create, §1.1), so the fake records nothing more: still one
    # recording, none current, and the end of the conference leaves it as it was.
    assert client.conferences(sid).fetch().status == "in-progress"
    frozen.tick(seconds(300))
    dial(client, "Board", "+15005550003")
    assert [r.sid for r in client.conferences(sid).recordings.list()] == [rec]
    assert_not_found(
        http.post(recording_url(account_url, sid, "Twilio.CURRENT"), data={"Status": "paused"})
    )
    client.conferences(sid).update(status="completed")
    after = client.conferences(sid).recordings(rec).fetch()
    assert (after.status, after.duration) == ("completed", "125")
    assert after.date_updated == started + seconds(125)
    kinds = [e.kind for e in fakeconf.events if e.kind.startswith("recording-")]
    assert kinds == [
        "recording-in-progress",
        "recording-stopped",
        "recording-processing",
        "recording-completed",
    ]


def test_stop_while_paused_with_skip_leaves_the_pause_out(
    client: Client, frozen: FrozenDateTimeFactory
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(40))
    client.conferences(sid).recordings(rec).update(status="paused", pause_behavior="skip")
    frozen.tick(seconds(100))
    client.conferences(sid).recordings(rec).update(status="stopped")
    assert client.conferences(sid).recordings(rec).fetch().duration == "40"


# -- refused updates -------------------------------------------------------------------


def snapshot(http: requests.Session, url: str) -> dict[str, object]:
    response = http.get(url)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("status", ["in-progress", "paused", "stopped", "completed"])
def test_a_completed_recording_cannot_change(
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    status: str,
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(30))
    client.conferences(sid).recordings(rec).update(status="stopped")
    url = recording_url(account_url, sid, rec)
    before = snapshot(http, url)
    assert before["status"] == "completed"
    frozen.tick(seconds(30))
    response = http.post(url, data={"Status": status})
    assert_twilio_error(response, 400)
    assert snapshot(http, url) == before
    with pytest.raises(TwilioRestException) as raised:
        client.conferences(sid).recordings(rec).update(status=status)
    assert raised.value.status == 400
    assert client.conferences(sid).fetch().status == "in-progress"


@pytest.mark.parametrize("status", ["completed", "processing", "absent"])
def test_only_paused_stopped_and_in_progress_can_be_asked_for(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    status: str,
) -> None:
    # "Changes the status of the recording to paused, stopped, or in-progress." (§1.2)
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    url = recording_url(account_url, sid, rec)
    frozen.tick(seconds(30))
    before = snapshot(http, url)
    events = len(fakeconf.events)
    assert_twilio_error(http.post(url, data={"Status": status}), 400)
    assert snapshot(http, url) == before
    assert len(fakeconf.events) == events


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"PauseBehavior": "skip"},
        {"Status": "bogus"},
        {"Status": ""},
        {"Status": "Paused"},
        {"Status": "paused", "PauseBehavior": "mute"},
        {"Status": "paused", "PauseBehavior": "SKIP"},
    ],
)
def test_invalid_update_values_are_400_and_change_nothing(
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    form: dict[str, str],
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    url = recording_url(account_url, sid, rec)
    frozen.tick(seconds(30))
    before = snapshot(http, url)
    assert_twilio_error(http.post(url, data=form), 400)
    assert snapshot(http, url) == before


def test_a_recording_of_an_ended_conference_cannot_be_resumed(
    client: Client, http: requests.Session, account_url: str, frozen: FrozenDateTimeFactory
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(30))
    client.conferences(sid).update(status="completed")
    url = recording_url(account_url, sid, rec)
    before = snapshot(http, url)
    for status in ("in-progress", "paused", "stopped"):
        assert_twilio_error(http.post(url, data={"Status": status}), 400)
    assert snapshot(http, url) == before


# -- the end of the conference ----------------------------------------------------------


def end_via_api(client: Client, sid: str) -> None:
    client.conferences(sid).update(status="completed")


def end_by_kicking_everyone(client: Client, sid: str) -> None:
    for participant in client.conferences(sid).participants.list():
        client.conferences(sid).participants(participant.call_sid).delete()


@pytest.mark.parametrize("end", [end_via_api, end_by_kicking_everyone])
@pytest.mark.parametrize("length", [4, 60, 61, 3600])
def test_conference_end_stops_then_completes_the_recording(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    end: Callable[[Client, str], None],
    length: int,
) -> None:
    sid, started = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(length))
    end(client, sid)
    ended = started + seconds(length)
    body = snapshot(http, recording_url(account_url, sid, rec))
    assert body["status"] == "completed"
    assert body["duration"] == str(length)
    assert isinstance(body["price"], str)
    assert re.fullmatch(r"-\d+\.\d+", body["price"])  # Twilio's format, e.g. "-0.0025"
    assert Decimal(body["price"]) == expected_price(length)
    assert body["price_unit"] == "USD"
    assert body["start_time"] == "Wed, 01 May 2024 10:01:00 +0000"
    assert client.conferences(sid).recordings(rec).fetch().date_updated == ended
    recording_events = [(e.kind, e.at) for e in fakeconf.events if e.kind.startswith("recording-")]
    assert recording_events == [
        ("recording-in-progress", started),
        ("recording-stopped", ended),
        ("recording-processing", ended),
        ("recording-completed", ended),
    ]
    kinds = [e.kind for e in fakeconf.events]
    assert kinds.index("recording-completed") < kinds.index("conference-end")


def test_the_four_second_example_costs_what_twilio_charges(
    client: Client, frozen: FrozenDateTimeFactory
) -> None:
    # OpenAPI fetch example: duration "4", price "-0.0025", price_unit "USD" (§6).
    sid, _ = start_recorded(client, frozen)
    frozen.tick(seconds(4))
    client.conferences(sid).update(status="completed")
    (done,) = client.conferences(sid).recordings.list()
    assert (done.duration, done.price, done.price_unit) == ("4", "-0.0025", "USD")


def test_a_scheduled_end_completes_the_recording_at_the_scheduled_moment(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    sid, started = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    fakeconf.get_conference(sid).end("last-participant-left", at=started + seconds(90))
    frozen.tick(seconds(600))  # noticed long after
    done = client.conferences(sid).recordings(rec).fetch()
    assert (done.status, done.duration) == ("completed", "90")
    assert done.date_updated == started + seconds(90)


# -- listing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "listed"),
    [
        ({"DateCreated": "2024-05-01"}, True),
        ({"DateCreated": "2024-04-30"}, False),
        ({"DateCreated": "2024-05-02"}, False),
        # inclusive comparisons against midnight UTC (§3.5): 10:01 on the 1st is
        # after midnight of the 1st and before midnight of the 2nd
        ({"DateCreated<": "2024-05-01"}, False),
        ({"DateCreated<": "2024-05-02"}, True),
        ({"DateCreated>": "2024-05-01"}, True),
        ({"DateCreated>": "2024-05-02"}, False),
        ({"DateCreated>": "2024-04-30", "DateCreated<": "2024-05-02"}, True),
    ],
)
def test_date_filters(
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    params: dict[str, str],
    listed: bool,
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    body = http.get(recordings_url(account_url, sid), params=params).json()
    assert [r["sid"] for r in body["recordings"]] == ([rec] if listed else [])
    # the client sends the same keys (§3.6)
    day = {k: dt.date.fromisoformat(v) for k, v in params.items()}
    kwargs = {
        {"DateCreated": "date_created", "DateCreated<": "date_created_before"}.get(
            k, "date_created_after"
        ): v
        for k, v in day.items()
    }
    via_client = client.conferences(sid).recordings.list(**kwargs)
    assert [r.sid for r in via_client] == ([rec] if listed else [])


@pytest.mark.parametrize(
    "params",
    [
        {"DateCreated": "2024-05-01T10:00:00Z"},
        {"DateCreated<": "May 1"},
        {"DateCreated>": "2024-13-01"},
    ],
)
def test_bad_date_filters_are_400(
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    params: dict[str, str],
) -> None:
    sid, _ = start_recorded(client, frozen)
    assert_twilio_error(http.get(recordings_url(account_url, sid), params=params), 400)


def test_list_envelope_and_client_iteration(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    body = http.get(recordings_url(account_url, sid), params={"PageSize": 1}).json()
    base = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{sid}/Recordings.json"
    assert [r["sid"] for r in body["recordings"]] == [rec]
    assert body["uri"] == body["first_page_uri"] == f"{base}?PageSize=1&Page=0"
    assert body["next_page_uri"] is None
    assert body["previous_page_uri"] is None
    assert (body["page"], body["page_size"], body["start"], body["end"]) == (0, 1, 0, 0)
    assert [r.sid for r in client.conferences(sid).recordings.stream(page_size=1)] == [rec]
    page = client.conferences(sid).recordings.page(page_size=5)
    assert [r.sid for r in page] == [rec]
    assert page.next_page() is None


def test_empty_recordings_list(
    client: Client, http: requests.Session, account_url: str, frozen: FrozenDateTimeFactory
) -> None:
    sid, _ = start_recorded(client, frozen, record=None)
    body = http.get(recordings_url(account_url, sid)).json()
    assert body["recordings"] == []
    assert (body["page"], body["page_size"], body["start"], body["end"]) == (0, 50, 0, 0)


@pytest.mark.parametrize("direction", ["PA", "PB"])
def test_a_page_token_naming_a_deleted_recording_still_pages(
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    direction: str,
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(30))
    client.conferences(sid).update(status="completed")
    assert client.conferences(sid).recordings(rec).delete() is True
    response = http.get(
        recordings_url(account_url, sid),
        params={"PageSize": "1", "Page": "1", "PageToken": direction + rec},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["recordings"] == []
    assert body["next_page_uri"] is None
    assert body["uri"].endswith(f"PageSize=1&Page=1&PageToken={direction}{rec}")


def test_unknown_conference_recordings_list_is_404(
    client: Client, http: requests.Session, account_url: str
) -> None:
    unknown = "CF" + "0" * 32
    assert_not_found(http.get(recordings_url(account_url, unknown)))
    with pytest.raises(TwilioException):
        client.conferences(unknown).recordings.list()


def test_post_to_the_recordings_list_is_405(
    client: Client, http: requests.Session, account_url: str, frozen: FrozenDateTimeFactory
) -> None:
    # Conference recordings have no create (§1.1).
    sid, _ = start_recorded(client, frozen)
    before = [r.sid for r in client.conferences(sid).recordings.list()]
    response = http.post(recordings_url(account_url, sid), data={"Status": "in-progress"})
    assert_twilio_error(response, 405)
    assert [r.sid for r in client.conferences(sid).recordings.list()] == before


# -- fetch and delete ------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "CA" + "1" * 32,  # a call SID
        "RE" + "1" * 32,  # a recording SID nobody has
        "RE" + "1" * 31,  # too short
        "Twilio.CURRENT",  # only update accepts it; fetch needs an RE SID (§1.3)
        "recording",
    ],
)
def test_fetch_of_anything_but_a_known_recording_sid_is_404(
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    bad: str,
) -> None:
    sid, _ = start_recorded(client, frozen)
    assert_not_found(http.get(recording_url(account_url, sid, bad)))
    with pytest.raises(TwilioRestException) as raised:
        client.conferences(sid).recordings(bad).fetch()
    assert raised.value.status == 404


def test_delete_is_204_then_404_and_gone_from_the_list(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(30))
    client.conferences(sid).update(status="completed")
    url = recording_url(account_url, sid, rec)
    response = http.delete(url)
    assert response.status_code == 204
    assert response.content == b""
    assert_not_found(http.get(url))
    assert_not_found(http.delete(url))
    assert_not_found(http.post(url, data={"Status": "paused"}))
    assert http.get(recordings_url(account_url, sid)).json()["recordings"] == []
    assert client.conferences(sid).recordings.list() == []
    assert fakeconf.get_conference(sid).recordings == []
    # the conference itself is untouched
    assert client.conferences(sid).fetch().status == "completed"


def test_delete_through_the_client(client: Client, frozen: FrozenDateTimeFactory) -> None:
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    frozen.tick(seconds(30))
    client.conferences(sid).update(status="completed")
    assert client.conferences(sid).recordings(rec).delete() is True
    with pytest.raises(TwilioRestException) as raised:
        client.conferences(sid).recordings(rec).fetch()
    assert raised.value.status == 404


# -- the scripting twin: RecordingHandle.pause / resume / stop ----------------------------


def _drive_over_http(client: Client, sid: str, rec: str, step: str) -> None:
    recording = client.conferences(sid).recordings(rec)
    if step == "pause-skip":
        recording.update(status="paused", pause_behavior="skip")
    elif step == "pause-silence":
        recording.update(status="paused", pause_behavior="silence")
    elif step == "resume":
        recording.update(status="in-progress")
    else:
        recording.update(status="stopped")


def _drive_by_handle(fakeconf: FakeTwilio, sid: str, step: str) -> None:
    (handle,) = fakeconf.get_conference(sid).recordings
    if step == "pause-skip":
        handle.pause("skip")
    elif step == "pause-silence":
        handle.pause()  # silence, the API's default too
    elif step == "resume":
        handle.resume()
    else:
        handle.stop()


def _recorded_story(
    fakeconf: FakeTwilio,
    client: Client,
    frozen: FrozenDateTimeFactory,
    steps: list[str],
    by_handle: bool,
) -> tuple[dict[str, object], list[str]]:
    """Run ``steps`` 20 s apart on a fresh recording, over HTTP or by the handle;
    returns the recording as the API's fetch shows it, and the recording events."""
    sid, _ = start_recorded(client, frozen)
    rec = only_recording(client, sid)
    for step in steps:
        frozen.tick(seconds(20))
        if by_handle:
            _drive_by_handle(fakeconf, sid, step)
        else:
            _drive_over_http(client, sid, rec, step)
    frozen.tick(seconds(20))
    client.conferences(sid).update(status="completed")
    fetched = client.conferences(sid).recordings(rec).fetch()
    shown = {k: getattr(fetched, k) for k in ("status", "duration", "price", "date_updated")}
    kinds = [e.kind for e in fakeconf.events if e.kind.startswith("recording-")]
    return shown, kinds


STORIES = {
    # steps, each 20 s after the last, then 20 s more and the conference ends:
    # (steps, seconds counted, statuses reported before "completed")
    "skip": (["pause-skip", "resume"], 40, ["in-progress", "paused", "in-progress", "stopped"]),
    "silence": (
        ["pause-silence", "resume"],
        60,
        ["in-progress", "paused", "in-progress", "stopped"],
    ),
    "stop": (["stop"], 20, ["in-progress", "stopped"]),
    "stop-paused": (["pause-skip", "stop"], 20, ["in-progress", "paused", "stopped"]),
}


@pytest.mark.parametrize("story", sorted(STORIES))
def test_the_handle_pauses_resumes_and_stops_as_the_api_does(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory, story: str
) -> None:
    steps, counted, statuses = STORIES[story]
    expected_kinds = [f"recording-{s}" for s in statuses] + [
        "recording-processing",
        "recording-completed",
    ]
    over_http = _recorded_story(fakeconf, client, frozen, steps, by_handle=False)

    with freeze_time(T0) as twin_clock, FakeTwilio(seed=fakeconf.seed) as twin:
        assert isinstance(twin_clock, FrozenDateTimeFactory)
        twin_client = Client(twin.account_sid, twin.auth_token)
        by_handle = _recorded_story(twin, twin_client, twin_clock, steps, by_handle=True)

    assert by_handle == over_http
    shown, kinds = by_handle
    assert shown["status"] == "completed"
    assert shown["duration"] == str(counted)
    assert kinds == expected_kinds


def test_a_stopped_handle_is_completed_with_its_duration(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    sid, _ = start_recorded(client, frozen)
    (recording,) = fakeconf.get_conference(sid).recordings
    frozen.tick(seconds(90))
    recording.stop()
    assert (recording.status, recording.duration) == ("completed", 90)
    assert recording.price is not None and Decimal(recording.price) == expected_price(90)
    assert client.conferences(sid).fetch().status == "in-progress"


@pytest.mark.parametrize("action", ["pause", "resume", "stop"])
def test_the_handle_is_refused_what_the_api_refuses(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
    action: str,
) -> None:
    """A completed recording, and one whose conference ended, cannot change: the
    handle raises the error (code and message) the API answers."""
    status = {"pause": "paused", "resume": "in-progress", "stop": "stopped"}[action]
    for end in ("stop", "conference"):
        sid, _ = start_recorded(client, frozen, name=f"Board-{action}-{end}")
        rec = only_recording(client, sid)
        (recording,) = fakeconf.get_conference(sid).recordings
        frozen.tick(seconds(30))
        if end == "stop":
            recording.stop()
        else:
            client.conferences(sid).update(status="completed")
        body = assert_twilio_error(
            http.post(recording_url(account_url, sid, rec), data={"Status": status}), 400
        )
        before = recording.status, recording.duration, len(fakeconf.events)
        with pytest.raises(TwilioError) as raised:
            getattr(recording, action)()
        assert (raised.value.code, raised.value.message) == (body["code"], body["message"])
        assert (recording.status, recording.duration, len(fakeconf.events)) == before


def test_resuming_a_running_recording_changes_nothing(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    # Twilio lets an update ask for the status the recording already has (§1.2).
    sid, _ = start_recorded(client, frozen)
    (recording,) = fakeconf.get_conference(sid).recordings
    events = len(fakeconf.events)
    recording.resume()
    assert recording.status == "in-progress"
    assert len(fakeconf.events) == events


def test_an_unknown_pause_behavior_is_a_value_error(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    sid, _ = start_recorded(client, frozen)
    (recording,) = fakeconf.get_conference(sid).recordings
    with pytest.raises(ValueError, match="pause_behavior must be one of skip, silence"):
        recording.pause("mute")  # type: ignore[arg-type]
    assert recording.status == "in-progress"
