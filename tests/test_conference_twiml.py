"""Conference TwiML: announcements, wait music and hold music fetched and checked.

References: shared/reference/twilio-calls-and-twiml.md §6 (``waitUrl``, ``holdUrl``
(GET), ``announceUrl`` (POST) may hold only ``<Play>``, ``<Say>``, ``<Pause>``,
``<Redirect>``; anything else is error 13238; the ``announcement`` keyword delivers
``announcement-end`` or ``announcement-fail`` with ``AnnounceUrl`` and
``ReasonAnnouncementFailed``), ERR-13238.
"""

from __future__ import annotations

from typing import Any

import pytest
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio, LogEntry

from .webhook_apps import App, response, routed_app

BASE = "https://conf.example.com"
EVENTS = f"{BASE}/events"
CALLER = "+15017122661"
LINE = "+15558675310"


@pytest.fixture(params=["wsgi", "flask"])
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    return routed_app(fakeconf, request.param, BASE)


def join(client: Client, conference: str, label: str, **kwargs: Any) -> Any:
    return client.conferences(conference).participants.create(
        from_=CALLER, to=f"client:{label}", label=label, **kwargs
    )


def started_room(client: Client) -> tuple[str, str, str]:
    """A conference in progress whose events go to EVENTS (announcement subscribed)."""
    alice = join(
        client,
        "Standup",
        "alice",
        conference_status_callback=EVENTS,
        conference_status_callback_event=["announcement"],
    )
    bob = join(client, alice.conference_sid, "bob")
    return alice.conference_sid, alice.call_sid, bob.call_sid


def announcement_callbacks(app: App) -> list[dict[str, str]]:
    return [dict(r.params) for r in app.inbox.at("/events")]


def test_a_conference_announcement_is_fetched_played_to_everyone_then_reported(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/closing"] = response(
        "<Say>The meeting ends in five minutes</Say>", '<Pause length="1"/>'
    )
    sid, alice, bob = started_room(client)
    client.conferences(sid).update(announce_url=f"{BASE}/closing")

    (fetch,) = app.inbox.at("/closing")
    assert fetch.valid and fetch.method == "POST"  # §6: POST by default
    assert fetch.params["ConferenceSid"] == sid
    for call_sid in (alice, bob):
        assert fakeconf.get_call(call_sid).log == [
            LogEntry("Say", "The meeting ends in five minutes", source="announcement"),
            LogEntry("Pause", "1", source="announcement"),
        ]
    (event,) = announcement_callbacks(app)
    assert event["StatusCallbackEvent"] == "announcement-end"
    assert event["AnnounceUrl"] == f"{BASE}/closing"
    assert fakeconf.alerts == []


def test_a_participant_announcement_follows_redirects_and_reaches_only_them(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/hello"] = response("<Say>Hello Alice</Say>", "<Redirect>/more</Redirect>")
    app.inbox.twiml["/more"] = response("<Play>https://cdn.example/chime.mp3</Play>")
    sid, alice, bob = started_room(client)
    client.conferences(sid).participants(alice).update(
        announce_url=f"{BASE}/hello", announce_method="GET"
    )
    (hello,) = app.inbox.at("/hello")
    assert hello.method == "GET" and hello.params["CallSid"] == alice
    assert [e.text for e in fakeconf.get_call(alice).log] == [
        "Hello Alice",
        "https://cdn.example/chime.mp3",
    ]
    assert fakeconf.get_call(bob).log == []
    (event,) = announcement_callbacks(app)
    assert (event["StatusCallbackEvent"], event["CallSid"]) == ("announcement-end", alice)


def test_an_announcement_with_a_verb_not_allowed_is_13238_and_announcement_fail(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/bad"] = response("<Say>Press 1</Say>", "<Gather/>")
    sid, alice, _ = started_room(client)
    fakeconf.get_conference(sid).announce(f"{BASE}/bad")
    (alert,) = fakeconf.alerts
    assert (alert.code, alert.conference_sid) == (13238, sid)
    assert "<Gather>" in alert.message
    (event,) = announcement_callbacks(app)
    assert event["StatusCallbackEvent"] == "announcement-fail"
    assert "13238" not in event["ReasonAnnouncementFailed"]
    assert "Gather" in event["ReasonAnnouncementFailed"]
    assert fakeconf.get_call(alice).log == []  # nothing of the document played
    assert fakeconf.get_conference(sid).status == "in-progress"


def test_an_announcement_the_app_fails_is_11200(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.status["/broken"] = 500
    sid, _, _ = started_room(client)
    client.conferences(sid).update(announce_url=f"{BASE}/broken")
    assert [a.code for a in fakeconf.alerts] == [11200]
    (event,) = announcement_callbacks(app)
    assert event["StatusCallbackEvent"] == "announcement-fail"


def test_an_unrouted_or_audio_url_is_media_played_not_fetched(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    sid, alice, _ = started_room(client)
    client.conferences(sid).update(announce_url="https://media.example.net/welcome.xml")
    client.conferences(sid).update(announce_url=f"{BASE}/chime.mp3")
    assert app.inbox.at("/chime.mp3") == []
    assert [e.text for e in fakeconf.get_call(alice).log] == [
        "https://media.example.net/welcome.xml",
        f"{BASE}/chime.mp3",
    ]
    assert [e["StatusCallbackEvent"] for e in announcement_callbacks(app)] == [
        "announcement-end",
        "announcement-end",
    ]
    assert fakeconf.alerts == []


def test_the_wait_url_of_a_twiml_caller_is_fetched_while_the_conference_waits(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(
        '<Dial><Conference waitUrl="/music">Board</Conference></Dial>'
    )
    app.inbox.twiml["/music"] = response(
        "<Say>Please wait for the host</Say>", "<Play>https://cdn.example/jazz.mp3</Play>",
        "<Redirect/>",  # loops the music (§6): played once here
    )  # fmt: skip
    member = fakeconf.dial_in(f"{BASE}/voice", from_=CALLER, to=LINE)
    assert member is not None
    (music,) = app.inbox.at("/music")
    assert music.valid and music.method == "POST"
    assert music.params["CallSid"] == member.call_sid
    assert fakeconf.get_call(member.call_sid).log == [
        LogEntry("Dial", "Board"),
        LogEntry("Say", "Please wait for the host", source="wait"),
        LogEntry("Play", "https://cdn.example/jazz.mp3", source="wait"),
    ]
    assert fakeconf.alerts == []


def test_a_wait_url_with_a_dial_is_13238(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/voice"] = response(
        '<Dial><Conference waitUrl="/music">Board</Conference></Dial>'
    )
    app.inbox.twiml["/music"] = response("<Dial>+15558675311</Dial>")
    member = fakeconf.dial_in(f"{BASE}/voice", from_=CALLER, to=LINE)
    assert member is not None and member.status == "connected"  # left where it is
    (alert,) = fakeconf.alerts
    assert alert.code == 13238 and alert.call_sid == member.call_sid
    assert alert.url == f"{BASE}/music"


def test_a_rest_participant_s_wait_url_and_no_wait_once_started(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/wait"] = response("<Say>Hold on</Say>")
    first = join(client, "Sales", "first", wait_url=f"{BASE}/wait")
    second = join(client, first.conference_sid, "second", wait_url=f"{BASE}/wait")
    # The second joined a conference that started with it: nobody waits any more.
    assert [r.params["CallSid"] for r in app.inbox.at("/wait")] == [first.call_sid]
    assert fakeconf.get_call(second.call_sid).log == []


def test_the_hold_url_is_fetched_with_get_when_the_participant_is_held(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/hold"] = response("<Play>https://cdn.example/hold.mp3</Play>")
    app.inbox.twiml["/bad-hold"] = response("<Hangup/>")
    sid, alice, bob = started_room(client)
    client.conferences(sid).participants(alice).update(hold=True, hold_url=f"{BASE}/hold")
    (hold,) = app.inbox.at("/hold")
    assert hold.method == "GET" and hold.valid  # §6: holdUrl is GET by default
    assert fakeconf.get_call(alice).log == [
        LogEntry("Play", "https://cdn.example/hold.mp3", source="hold")
    ]
    client.conferences(sid).participants(bob).update(
        hold=True, hold_url=f"{BASE}/bad-hold", hold_method="POST"
    )
    (alert,) = fakeconf.alerts
    assert alert.code == 13238 and alert.call_sid == bob
    assert client.conferences(sid).participants(bob).fetch().hold is True
