"""Issue 12, point 4: the conference events the docs list that the fake did not send.

* ``speaker`` → ``participant-speech-start`` / ``participant-speech-stop`` (§4.1), with
  the participant parameters of §4.2, scripted with ``ParticipantHandle.speak``;
* the deprecated ``conference-record-end`` (§4.2: ``EventName``, ``RecordingUrl``,
  ``Duration``, ``RecordingFileSize``; "not sent if ``recordingStatusCallback`` is given").

Every callback goes to an app validating ``X-Twilio-Signature`` (tests/webhook_apps.py).
References are to shared/reference/twilio-conference-api.md.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Any

import pytest
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio, ParticipantHandle, WebhookDelivery

from .webhook_apps import FLAVOURS, App, routed_app

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
BASE = "https://app.example.com"
CONF_PATH = "/conference"
CONF_URL = f"{BASE}{CONF_PATH}"
CALLER = "+15017122661"
# §4.2: "All" rows, and the participant rows ("join leave mute hold modify speaker …")
COMMON = {"ConferenceSid", "FriendlyName", "AccountSid", "SequenceNumber", "Timestamp"}
SPEECH = COMMON | {
    "StatusCallbackEvent", "CallSid", "Muted", "Hold", "Coaching", "EndConferenceOnExit",
    "StartConferenceOnEnter", "ParticipantLabel",
}  # fmt: skip
RECORD_END = COMMON | {"EventName", "RecordingUrl", "Duration", "RecordingFileSize"}
SPEECH_EVENTS = {"participant-speech-start", "participant-speech-stop"}


@pytest.fixture(params=sorted(FLAVOURS))
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    return routed_app(fakeconf, request.param, BASE)


def join(client: Client, conference: str, label: str, **kwargs: Any) -> Any:
    return client.conferences(conference).participants.create(
        from_=CALLER, to=f"client:{label}", label=label, **kwargs
    )


def subscribed(*keywords: str) -> dict[str, Any]:
    return {
        "conference_status_callback": CONF_URL,
        "conference_status_callback_event": list(keywords),
    }


def handle(fakeconf: FakeTwilio, conference_sid: str, call_sid: str) -> ParticipantHandle:
    (found,) = [
        p for p in fakeconf.get_conference(conference_sid).participants if p.call_sid == call_sid
    ]
    return found


def speech(fakeconf: FakeTwilio, client: Client, sid: str) -> list[WebhookDelivery]:
    """The speech callbacks so far, after the app touched the API (the clock is noticed)."""
    client.conferences(sid).fetch()
    return [
        d
        for d in fakeconf.webhooks
        if d.kind == "conference-status" and d.params.get("StatusCallbackEvent") in SPEECH_EVENTS
    ]


def stamp(at: dt.datetime) -> dt.datetime:
    parsed = email.utils.parsedate_to_datetime
    return parsed(email.utils.format_datetime(at))  # whole seconds, as callbacks carry


def test_speak_now_sends_start_then_stop_after_the_duration(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§4.1 ``speaker``: started speaking, stopped speaking; §4.2 parameters."""
    with freeze_time(T0) as frozen:
        alice = join(client, "Room", "alice", **subscribed("join", "speaker"))
        sid = alice.conference_sid
        join(client, sid, "bob")
        client.conferences(sid).participants(alice.call_sid).update(muted=True)
        handle(fakeconf, sid, alice.call_sid).speak(duration=dt.timedelta(seconds=5))
        (start,) = speech(fakeconf, client, sid)
        frozen.tick(dt.timedelta(seconds=4))
        assert len(speech(fakeconf, client, sid)) == 1  # still speaking
        frozen.tick(dt.timedelta(seconds=1))
        deliveries = speech(fakeconf, client, sid)

    assert [d.params["StatusCallbackEvent"] for d in deliveries] == [
        "participant-speech-start",
        "participant-speech-stop",
    ]
    stop = deliveries[1]
    for delivery in deliveries:
        params = delivery.params
        assert set(params) == SPEECH
        assert (params["CallSid"], params["ParticipantLabel"]) == (alice.call_sid, "alice")
        assert (params["Muted"], params["Hold"], params["Coaching"]) == ("true", "false", "false")
        assert params["ConferenceSid"] == sid
        assert delivery.ok
    timestamps = [email.utils.parsedate_to_datetime(d.params["Timestamp"]) for d in deliveries]
    assert timestamps == [stamp(T0), stamp(T0 + dt.timedelta(seconds=5))]
    # numbered after the two joins (the mute is not subscribed)
    assert [start.params["SequenceNumber"], stop.params["SequenceNumber"]] == ["3", "4"]
    received = app.inbox.at(CONF_PATH)
    assert len(received) == 4
    assert all(r.valid for r in received)


def test_speak_at_a_future_moment_is_scheduled(fakeconf: FakeTwilio, client: Client) -> None:
    with freeze_time(T0) as frozen:
        alice = join(client, "Room", "alice", **subscribed("speaker"))
        sid = alice.conference_sid
        bob = join(client, sid, "bob")
        later = T0 + dt.timedelta(seconds=10)
        pending = handle(fakeconf, sid, bob.call_sid).speak(
            at=later, duration=dt.timedelta(seconds=3)
        )
        assert pending.pending
        assert speech(fakeconf, client, sid) == []
        frozen.tick(dt.timedelta(seconds=10))
        assert [d.params["CallSid"] for d in speech(fakeconf, client, sid)] == [bob.call_sid]
        frozen.tick(dt.timedelta(seconds=3))
        deliveries = speech(fakeconf, client, sid)

    assert [d.params["StatusCallbackEvent"] for d in deliveries] == [
        "participant-speech-start",
        "participant-speech-stop",
    ]
    timestamps = [email.utils.parsedate_to_datetime(d.params["Timestamp"]) for d in deliveries]
    assert timestamps == [stamp(later), stamp(later + dt.timedelta(seconds=3))]


@pytest.mark.parametrize(
    "keywords", [(), ("start", "end", "join", "leave", "mute", "hold", "modify", "announcement")]
)
def test_without_the_speaker_keyword_nothing_is_sent(
    fakeconf: FakeTwilio, client: Client, keywords: tuple[str, ...]
) -> None:
    """§4.1: only the keywords subscribed to are reported (no keyword: "start end")."""
    with freeze_time(T0) as frozen:
        extra = subscribed(*keywords) if keywords else {"conference_status_callback": CONF_URL}
        alice = join(client, "Room", "alice", **extra)
        sid = alice.conference_sid
        join(client, sid, "bob")
        handle(fakeconf, sid, alice.call_sid).speak(duration=dt.timedelta(seconds=2))
        frozen.tick(dt.timedelta(seconds=3))
        assert speech(fakeconf, client, sid) == []
    kinds = [e.kind for e in fakeconf.events]
    assert kinds.count("participant-speech-start") == kinds.count("participant-speech-stop") == 1


@pytest.mark.parametrize("when", ["before-start", "while-speaking"])
def test_nothing_is_sent_for_a_participant_who_left(
    fakeconf: FakeTwilio, client: Client, when: str
) -> None:
    with freeze_time(T0) as frozen:
        alice = join(client, "Room", "alice", **subscribed("speaker"))
        sid = alice.conference_sid
        bob = join(client, sid, "bob")
        join(client, sid, "carol")
        start = T0 + dt.timedelta(seconds=5 if when == "before-start" else 0)
        handle(fakeconf, sid, bob.call_sid).speak(at=start, duration=dt.timedelta(seconds=10))
        frozen.tick(dt.timedelta(seconds=1))
        client.conferences(sid).participants(bob.call_sid).delete()
        frozen.tick(dt.timedelta(seconds=20))
        deliveries = speech(fakeconf, client, sid)

    expected = [] if when == "before-start" else ["participant-speech-start"]
    assert [d.params["StatusCallbackEvent"] for d in deliveries] == expected
    skipped = [e for e in fakeconf.events if e.kind == "schedule-skipped"]
    assert len(skipped) == 1


def test_speak_checks_its_arguments(fakeconf: FakeTwilio, client: Client) -> None:
    alice = join(client, "Room", "alice", **subscribed("speaker"))
    sid = alice.conference_sid
    bob = join(client, sid, "bob")
    speaker = handle(fakeconf, sid, bob.call_sid)
    for bad in (dt.timedelta(0), dt.timedelta(seconds=-1)):
        with pytest.raises(ValueError, match="duration"):
            speaker.speak(duration=bad)
    speaker.leave()
    with pytest.raises(Exception, match=bob.call_sid):
        speaker.speak(duration=dt.timedelta(seconds=1))
    assert speech(fakeconf, client, sid) == []


# -- conference-record-end --------------------------------------------------------------


def record_ends(fakeconf: FakeTwilio) -> list[WebhookDelivery]:
    return [d for d in fakeconf.webhooks if d.params.get("EventName") == "conference-record-end"]


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_conference_record_end_without_a_recording_status_callback(
    fakeconf: FakeTwilio, client: Client, app: App, method: str
) -> None:
    """§4.2: EventName=conference-record-end, RecordingUrl, Duration, RecordingFileSize,
    on the conference's status callback when no recordingStatusCallback is given."""
    with freeze_time(T0) as frozen:
        alice = join(
            client,
            "Recorded",
            "alice",
            conference_record="record-from-start",
            conference_status_callback=CONF_URL,
            conference_status_callback_method=method,
        )
        sid = alice.conference_sid
        join(client, sid, "bob")
        frozen.tick(dt.timedelta(seconds=42))
        assert record_ends(fakeconf) == []
        client.conferences(sid).update(status="completed")
        client.conferences(sid).fetch()

    (recording,) = client.conferences(sid).recordings.list()
    (delivery,) = record_ends(fakeconf)
    params = delivery.params
    assert delivery.method == method and delivery.ok
    assert set(params) == RECORD_END
    assert params["ConferenceSid"] == sid
    assert params["RecordingUrl"] == (
        f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}"
        f"/Recordings/{recording.sid}"
    )
    assert params["Duration"] == str(recording.duration)
    assert 0 < int(params["Duration"]) <= 42
    assert int(params["RecordingFileSize"]) > int(params["Duration"])
    # numbered with start and end, the callbacks "start end" brings by default
    numbers = [d.params["SequenceNumber"] for d in fakeconf.webhooks]
    assert numbers == ["1", "2", "3"]
    assert params["SequenceNumber"] in {"2", "3"}
    received = app.inbox.at(CONF_PATH)
    assert len(received) == 3
    assert all(r.valid for r in received)


def test_no_conference_record_end_with_a_recording_status_callback(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    with freeze_time(T0) as frozen:
        alice = join(
            client,
            "Recorded",
            "alice",
            conference_record="record-from-start",
            conference_status_callback=CONF_URL,
            conference_recording_status_callback=f"{BASE}/recording",
        )
        sid = alice.conference_sid
        join(client, sid, "bob")
        frozen.tick(dt.timedelta(seconds=30))
        client.conferences(sid).update(status="completed")
        client.conferences(sid).fetch()
    assert [d.kind for d in fakeconf.webhooks].count("recording-status") == 1
    assert record_ends(fakeconf) == []


def test_no_conference_record_end_without_a_recording(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    alice = join(client, "Plain", "alice", conference_status_callback=CONF_URL)
    sid = alice.conference_sid
    join(client, sid, "bob")
    client.conferences(sid).update(status="completed")
    assert len(fakeconf.webhooks) == 2  # conference-start, conference-end
    assert record_ends(fakeconf) == []
