"""End-to-end conference calls: people dial in, talk, hang up or are kicked, and the
conference starts and ends as Twilio's would. HTTP (the twilio client) and the
scripting handles are mixed to show that both paths share the same rules.
References are to shared/reference/twilio-conference-api.md (§5 lifecycle)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.api.v2010.account.conference.participant import ParticipantInstance

from pytest_fakeconf import Event, FakeTwilio, ParticipantHandle, TwilioError

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)
CALLER = "+15017122661"


def dial_in(client: Client, conference: str, label: str, **kwargs: Any) -> ParticipantInstance:
    """A participant added through the twilio client, by conference SID or name."""
    return client.conferences(conference).participants.create(
        from_=CALLER, to=f"client:{label}", label=label, **kwargs
    )


def handle(fakeconf: FakeTwilio, conference_sid: str, label: str) -> ParticipantHandle:
    (found,) = [p for p in fakeconf.get_conference(conference_sid).participants if p.label == label]
    return found


def events_of(fakeconf: FakeTwilio, conference_sid: str) -> list[Event]:
    return [e for e in fakeconf.events if e.conference_sid == conference_sid]


def handle_status(fakeconf: FakeTwilio, conference_sid: str) -> list[str]:
    return [p.status for p in fakeconf.get_conference(conference_sid).participants]


def assert_gone(client: Client, conference_sid: str, call_sids: list[str]) -> None:
    """Only live participants exist (§5.4): each one 404s and the list is empty."""
    participants = client.conferences(conference_sid).participants
    assert participants.list() == []
    for call_sid in call_sids:
        with pytest.raises(TwilioRestException) as caught:
            participants(call_sid).fetch()
        assert (caught.value.status, caught.value.code) == (404, 20404)


def test_two_people_dial_in_by_name_and_it_starts_when_the_second_connects(
    fakeconf: FakeTwilio, client: Client
) -> None:
    with freeze_time(T0) as frozen:
        alice = dial_in(client, "Daily Sync", "alice")
        sid = alice.conference_sid
        first = client.conferences(sid).fetch()
        # §5.1: "init" while the first participant waits alone
        assert (first.friendly_name, first.status, first.reason_conference_ended) == (
            "Daily Sync",
            "init",
            None,
        )
        assert first.date_created == T0
        frozen.tick(2 * MINUTE)
        bob = dial_in(client, "Daily Sync", "bob")
        assert bob.conference_sid == sid
        started = client.conferences(sid).fetch()
    assert started.status == "in-progress"
    assert started.date_created == T0
    assert started.date_updated == T0 + 2 * MINUTE
    assert started.reason_conference_ended is None
    listed = client.conferences(sid).participants.list()
    assert [(p.label, p.status) for p in listed] == [("bob", "connected"), ("alice", "connected")]
    events = events_of(fakeconf, sid)
    (start,) = [e for e in events if e.kind == "conference-start"]
    assert start.at == T0 + 2 * MINUTE
    joins = [e.data["call_sid"] for e in events if e.kind == "participant-join"]
    assert joins == [alice.call_sid, bob.call_sid]
    # the start comes right after the join that caused it
    kinds = [e.kind for e in events]
    assert kinds.index("conference-start") == len(kinds) - 1
    assert client.conferences.list(status="in-progress", friendly_name="Daily Sync")[0].sid == sid


@pytest.mark.parametrize(
    ("starts", "status"),
    [
        ([True], "init"),  # alone: nobody to talk to
        ([False], "init"),
        ([False, False], "init"),  # two, but neither may start it
        ([False, False, False], "init"),
        ([False, True], "in-progress"),  # ≥2 connected and one starts it (§5.1)
        ([True, False], "in-progress"),
        ([False, False, True], "in-progress"),
    ],
)
def test_start_conference_on_enter_decides_when_it_starts(
    fakeconf: FakeTwilio, client: Client, starts: list[bool], status: str
) -> None:
    # TwiML `start`: "at least two participants in the conference, and at least one
    # of the participants has startConferenceOnEnter="true"" (§5.1)
    created = [
        dial_in(client, "Waiting Room", f"p{i}", start_conference_on_enter=start)
        for i, start in enumerate(starts)
    ]
    sid = created[0].conference_sid
    assert {p.conference_sid for p in created} == {sid}
    assert client.conferences(sid).fetch().status == status
    started = [e for e in events_of(fakeconf, sid) if e.kind == "conference-start"]
    assert len(started) == (1 if status == "in-progress" else 0)


def test_a_waiting_room_starts_when_the_host_joins_through_the_scripting_api(
    fakeconf: FakeTwilio, client: Client
) -> None:
    a = dial_in(client, "Webinar", "attendee 1", start_conference_on_enter=False)
    dial_in(client, "Webinar", "attendee 2", start_conference_on_enter=False)
    room = fakeconf.get_conference(a.conference_sid)
    assert room.status == "init"
    room.add_participant(label="host")  # start_conference_on_enter defaults to true
    assert client.conferences(room.sid).fetch().status == "in-progress"
    dial_in(client, room.sid, "attendee 3")
    starts = [e for e in events_of(fakeconf, room.sid) if e.kind == "conference-start"]
    assert len(starts) == 1  # it starts once


def test_the_moderator_hangs_up_and_everyone_is_disconnected(
    fakeconf: FakeTwilio, client: Client
) -> None:
    with freeze_time(T0) as frozen:
        moderator = dial_in(client, "Board", "moderator", end_conference_on_exit=True)
        sid = moderator.conference_sid
        alice = dial_in(client, "Board", "alice")
        bob = dial_in(client, "Board", "bob")
        frozen.tick(30 * MINUTE)
        handle(fakeconf, sid, "moderator").leave()  # the moderator's phone hangs up
        ended = client.conferences(sid).fetch()
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        "participant-with-end-conference-on-exit-left",
        moderator.call_sid,
    )
    assert ended.date_updated == T0 + 30 * MINUTE
    assert_gone(client, sid, [moderator.call_sid, alice.call_sid, bob.call_sid])
    assert fakeconf.get_conference(sid).participants == []
    events = events_of(fakeconf, sid)
    tail = events[-4:]
    assert [e.kind for e in tail] == ["participant-leave"] * 3 + ["conference-end"]
    assert tail[0].data["call_sid"] == moderator.call_sid
    assert tail[0].data["reason_participant_left"] == "participant_hung_up"
    # §5.3 / §4.2: the others leave because the moderator ended the conference
    assert {e.data["call_sid"]: e.data["reason_participant_left"] for e in tail[1:3]} == {
        alice.call_sid: "moderator_ended_conference",
        bob.call_sid: "moderator_ended_conference",
    }
    end = tail[3]
    assert end.data["reason_conference_ended"] == "participant-with-end-conference-on-exit-left"
    assert end.data["call_sid_ending_conference"] == moderator.call_sid
    assert end.data["participant_label_ending_conference"] == "moderator"
    assert all(e.at == T0 + 30 * MINUTE for e in tail)


def test_the_moderator_is_kicked_over_http(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Board", status="init")
    moderator = room.add_participant(label="moderator", end_conference_on_exit=True)
    guest = dial_in(client, room.sid, "guest")
    assert room.status == "in-progress"
    assert client.conferences(room.sid).participants("moderator").delete() is True
    ended = client.conferences(room.sid).fetch()
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        "participant-with-end-conference-on-exit-kicked",
        moderator.call_sid,
    )
    assert_gone(client, room.sid, [moderator.call_sid, guest.call_sid])
    assert (moderator.status, handle_status(fakeconf, room.sid)) == ("complete", [])
    leaves = {
        e.data["call_sid"]: e.data["reason_participant_left"]
        for e in events_of(fakeconf, room.sid)
        if e.kind == "participant-leave"
    }
    # ReasonParticipantLeft has no "kicked" value; a DELETE is an update via the API (§4.2)
    assert leaves == {
        moderator.call_sid: "participant_updated_via_api",
        guest.call_sid: "moderator_ended_conference",
    }
    assert events_of(fakeconf, room.sid)[-1].kind == "conference-end"


def test_people_leave_one_by_one_and_the_last_ends_it(fakeconf: FakeTwilio, client: Client) -> None:
    with freeze_time(T0) as frozen:
        first = dial_in(client, "Chat", "first")
        sid = first.conference_sid
        second = dial_in(client, "Chat", "second")
        third = dial_in(client, "Chat", "third")
        frozen.tick(MINUTE)
        handle(fakeconf, sid, "second").leave()
        assert client.conferences(sid).fetch().status == "in-progress"
        frozen.tick(MINUTE)
        handle(fakeconf, sid, "first").leave()
        # one person left alone: still in progress, nobody ended it
        still = client.conferences(sid).fetch()
        assert (still.status, still.reason_conference_ended) == ("in-progress", None)
        assert [p.label for p in client.conferences(sid).participants.list()] == ["third"]
        frozen.tick(MINUTE)
        handle(fakeconf, sid, "third").leave()
        ended = client.conferences(sid).fetch()
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        "last-participant-left",
        third.call_sid,
    )
    assert ended.date_updated == T0 + 3 * MINUTE
    assert_gone(client, sid, [first.call_sid, second.call_sid, third.call_sid])
    leaves = [
        (e.data["call_sid"], e.data["reason_participant_left"])
        for e in events_of(fakeconf, sid)
        if e.kind == "participant-leave"
    ]
    assert leaves == [
        (second.call_sid, "participant_hung_up"),
        (first.call_sid, "participant_hung_up"),
        (third.call_sid, "participant_hung_up"),
    ]


def test_the_last_person_is_kicked(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Chat", status="init")
    stayer = room.add_participant(label="stayer")
    leaver = dial_in(client, room.sid, "leaver")
    client.conferences(room.sid).participants(leaver.call_sid).delete()
    assert room.status == "in-progress"
    client.conferences(room.sid).participants("stayer").delete()
    ended = client.conferences(room.sid).fetch()
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        "last-participant-kicked",
        stayer.call_sid,
    )
    end = events_of(fakeconf, room.sid)[-1]
    assert (end.kind, end.data["participant_label_ending_conference"]) == (
        "conference-end",
        "stayer",
    )


def test_ending_via_the_api_disconnects_everyone_before_the_end(
    fakeconf: FakeTwilio, client: Client
) -> None:
    with freeze_time(T0) as frozen:
        a = dial_in(client, "All Hands", "a")
        sid = a.conference_sid
        room = fakeconf.get_conference(sid)
        b = room.add_participant(label="b")
        c = dial_in(client, sid, "c", muted=True)
        frozen.tick(45 * MINUTE)
        updated = client.conferences(sid).update(status="completed")
    assert (
        updated.status,
        updated.reason_conference_ended,
        updated.call_sid_ending_conference,
    ) == (
        "completed",
        "conference-ended-via-api",
        None,
    )
    assert updated.date_updated == T0 + 45 * MINUTE
    assert_gone(client, sid, [a.call_sid, b.call_sid, c.call_sid])
    assert b.status == "complete"
    events = events_of(fakeconf, sid)
    assert events[-1].kind == "conference-end"  # the conference's last event
    assert events[-1].data["call_sid_ending_conference"] is None
    leaves = [e for e in events if e.kind == "participant-leave"]
    assert [e.data["call_sid"] for e in leaves] == [a.call_sid, b.call_sid, c.call_sid]
    assert {e.data["reason_participant_left"] for e in leaves} == {"conference_ended_via_api"}
    assert all(e.at == T0 + 45 * MINUTE for e in leaves)
    assert events.index(leaves[-1]) < len(events) - 1
    # the last event of the whole fake is this conference's end
    assert fakeconf.events[-1] == events[-1]


def test_a_coach_joins_an_agent_and_is_visible_on_fetch(
    fakeconf: FakeTwilio, client: Client
) -> None:
    customer = dial_in(client, "Support 42", "customer")
    sid = customer.conference_sid
    agent = dial_in(client, sid, "agent")
    coach = dial_in(client, sid, "coach", coaching=True, call_sid_to_coach=agent.call_sid)
    fetched = client.conferences(sid).participants("coach").fetch()
    assert (fetched.call_sid, fetched.coaching, fetched.call_sid_to_coach) == (
        coach.call_sid,
        True,
        agent.call_sid,
    )
    assert [p.label for p in client.conferences(sid).participants.list(coaching=True)] == ["coach"]
    assert [p.label for p in client.conferences(sid).participants.list(coaching=False)] == [
        "agent",
        "customer",
    ]
    for label in ("agent", "customer"):
        other = client.conferences(sid).participants(label).fetch()
        assert (other.coaching, other.call_sid_to_coach) == (False, None)
    # the coach stops coaching over HTTP; the scripting handle sees it
    client.conferences(sid).participants("coach").update(coaching=False)
    assert handle(fakeconf, sid, "coach").coaching is False
    assert client.conferences(sid).fetch().status == "in-progress"


def test_promoting_a_participant_to_moderator_over_http_lets_them_end_it(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Panel", status="init")
    speaker = room.add_participant(label="speaker")
    room.add_participant(label="listener")
    client.conferences(room.sid).participants("speaker").update(end_conference_on_exit=True)
    assert speaker.end_conference_on_exit is True
    speaker.leave()
    assert (room.status, room.reason_conference_ended, room.call_sid_ending_conference) == (
        "completed",
        "participant-with-end-conference-on-exit-left",
        speaker.call_sid,
    )


def test_demoting_the_moderator_lets_the_conference_go_on(
    fakeconf: FakeTwilio, client: Client
) -> None:
    moderator = dial_in(client, "Panel", "moderator", end_conference_on_exit=True)
    sid = moderator.conference_sid
    dial_in(client, sid, "a")
    dial_in(client, sid, "b")
    client.conferences(sid).participants("moderator").update(end_conference_on_exit=False)
    handle(fakeconf, sid, "moderator").leave()
    fetched = client.conferences(sid).fetch()
    assert (fetched.status, fetched.reason_conference_ended) == ("in-progress", None)
    assert [p.label for p in client.conferences(sid).participants.list()] == ["b", "a"]


def test_after_the_end_the_name_starts_a_fresh_conference(
    fakeconf: FakeTwilio, client: Client
) -> None:
    first = dial_in(client, "Weekly", "host", end_conference_on_exit=True)
    dial_in(client, "Weekly", "guest")
    handle(fakeconf, first.conference_sid, "host").leave()
    again = dial_in(client, "Weekly", "host")
    assert again.conference_sid != first.conference_sid
    assert client.conferences(again.conference_sid).fetch().status == "init"
    # the old conference is over for good: no one joins it by SID
    with pytest.raises(TwilioRestException) as caught:
        dial_in(client, first.conference_sid, "late")
    assert (caught.value.status, caught.value.code) == (400, 16022)
    names = {
        c.sid: c.status for c in client.conferences.list(friendly_name="Weekly", status="init")
    }
    assert names == {again.conference_sid: "init"}


def test_a_participant_who_left_cannot_leave_or_be_kicked_again(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Room")
    room.add_participant(label="stays")
    gone = room.add_participant(label="gone")
    gone.leave()
    with pytest.raises(TwilioError):
        gone.leave()
    with pytest.raises(TwilioRestException) as caught:
        client.conferences(room.sid).participants(gone.call_sid).delete()
    assert caught.value.status == 404
    assert room.status == "in-progress"


# -- each end reason, produced by the action that causes it -----------------------

Action = Callable[[FakeTwilio, Client, str], None]


def _end_via_api(fakeconf: FakeTwilio, client: Client, sid: str) -> None:
    client.conferences(sid).update(status="completed")


def _host_hangs_up(fakeconf: FakeTwilio, client: Client, sid: str) -> None:
    handle(fakeconf, sid, "host").leave()


def _host_is_kicked(fakeconf: FakeTwilio, client: Client, sid: str) -> None:
    client.conferences(sid).participants("host").delete()


def _guest_then_host_hang_up(fakeconf: FakeTwilio, client: Client, sid: str) -> None:
    client.conferences(sid).participants("guest").fetch()  # still there
    handle(fakeconf, sid, "guest").leave()
    handle(fakeconf, sid, "host").leave()


def _guest_hangs_up_then_host_is_kicked(fakeconf: FakeTwilio, client: Client, sid: str) -> None:
    handle(fakeconf, sid, "guest").leave()
    client.conferences(sid).participants("host").delete()


@pytest.mark.parametrize(
    ("moderated", "action", "reason", "names_host"),
    [
        pytest.param(False, _end_via_api, "conference-ended-via-api", False, id="api"),
        pytest.param(True, _end_via_api, "conference-ended-via-api", False, id="api-moderated"),
        pytest.param(
            True,
            _host_hangs_up,
            "participant-with-end-conference-on-exit-left",
            True,
            id="mod-left",
        ),
        pytest.param(
            True,
            _host_is_kicked,
            "participant-with-end-conference-on-exit-kicked",
            True,
            id="mod-kicked",
        ),
        pytest.param(
            False, _guest_then_host_hang_up, "last-participant-left", True, id="last-left"
        ),
        pytest.param(
            False,
            _guest_hangs_up_then_host_is_kicked,
            "last-participant-kicked",
            True,
            id="last-kicked",
        ),
    ],
)
def test_each_end_reason_comes_from_the_action_that_causes_it(
    fakeconf: FakeTwilio,
    client: Client,
    moderated: bool,
    action: Action,
    reason: str,
    names_host: bool,
) -> None:
    # §5.3 mapping of triggers to reason_conference_ended / call_sid_ending_conference
    with freeze_time(T0) as frozen:
        host = dial_in(client, "Meeting", "host", end_conference_on_exit=moderated)
        sid = host.conference_sid
        guest = dial_in(client, "Meeting", "guest")
        assert client.conferences(sid).fetch().status == "in-progress"
        frozen.tick(10 * MINUTE)
        action(fakeconf, client, sid)
        ended = client.conferences(sid).fetch()
    ending = host.call_sid if names_host else None
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        reason,
        ending,
    )
    assert ended.date_updated == T0 + 10 * MINUTE
    assert_gone(client, sid, [host.call_sid, guest.call_sid])
    events = events_of(fakeconf, sid)
    ends = [e for e in events if e.kind == "conference-end"]
    assert ends == [events[-1]]
    assert (
        ends[0].data["reason_conference_ended"],
        ends[0].data["call_sid_ending_conference"],
    ) == (
        reason,
        ending,
    )
    assert ends[0].data["participant_label_ending_conference"] == ("host" if names_host else None)
    listed = client.conferences.list(status="completed")
    assert [(c.sid, c.reason_conference_ended) for c in listed] == [(sid, reason)]
