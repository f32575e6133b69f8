"""The story of a fake (``pytest_fakeconf.story``): one timeline of the requests, events,
webhooks and alerts, grouped per conference and per call, rendered for a terminal and
shaped for the live page."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.journal import RecordedRequest
from pytest_fakeconf.story import model, text
from pytest_fakeconf.story.model import Entry, Story, Thread, build
from pytest_fakeconf.story.page_view import page_story

T0 = _dt.datetime(2026, 12, 2, 10, 0, tzinfo=_dt.timezone.utc)
CALLER = "+15017122661"
StartResponse = Callable[..., Any]


@pytest.fixture
def client(fakeconf: FakeTwilio) -> Client:
    fakeconf.clock.freeze(T0)
    return Client(fakeconf.account_sid, fakeconf.auth_token)


def join(client: Client, room: str, label: str, **options: object) -> Any:
    return client.conferences(room).participants.create(
        from_=CALLER, to=f"client:{label}", label=label, **options
    )


def thread(story: Story, sid: str) -> Thread:
    (found,) = [t for t in story.threads if t.sid == sid]
    return found


def texts(found: Thread) -> list[tuple[str, str, str]]:
    return [(e.at.strftime("%H:%M:%S"), e.source, e.text) for e in found.entries]


def test_a_conference_story_interleaves_requests_and_events_in_time_order(
    fakeconf: FakeTwilio, client: Client
) -> None:
    alice = join(client, "Support", "alice")
    fakeconf.clock.advance(30)
    bob = join(client, "Support", "bob", muted=True)
    fakeconf.clock.advance(30)
    client.conferences(alice.conference_sid).participants("alice").update(hold=True)

    story = build(fakeconf)

    (support,) = story.threads
    assert (support.kind, support.sid) == ("conference", alice.conference_sid)
    assert support.title == f"conference {alice.conference_sid} 'Support' (in-progress)"
    assert texts(support) == [
        ("10:00:00", "event", "conference-create"),
        ("10:00:00", "event", f"call-initiated alice ({alice.call_sid})"),
        ("10:00:00", "event", f"call-ringing alice ({alice.call_sid})"),
        ("10:00:00", "event", f"call-answered alice ({alice.call_sid})"),
        ("10:00:00", "event", f"participant-join alice ({alice.call_sid})"),
        (
            "10:00:00",
            "request",
            "POST /Conferences/Support/Participants.json → 201 "
            f"From={CALLER} To=client:alice Label=alice",
        ),
        ("10:00:30", "event", f"call-initiated bob ({bob.call_sid})"),
        ("10:00:30", "event", f"call-ringing bob ({bob.call_sid})"),
        ("10:00:30", "event", f"call-answered bob ({bob.call_sid})"),
        ("10:00:30", "event", f"participant-join bob ({bob.call_sid}) muted"),
        ("10:00:30", "event", "conference-start"),
        (
            "10:00:30",
            "request",
            "POST /Conferences/Support/Participants.json → 201 "
            f"From={CALLER} To=client:bob Label=bob Muted=true",
        ),
        ("10:01:00", "event", f"participant-hold alice ({alice.call_sid})"),
        (
            "10:01:00",
            "request",
            f"POST /Conferences/{alice.conference_sid}/Participants/alice.json → 200 Hold=true",
        ),
    ]
    assert dict(story.counts) == {"event": 11, "webhook": 0, "alert": 0, "request": 3}
    assert story.dropped == {} and not story.empty
    assert story.account_sid == fakeconf.account_sid and story.now == T0 + _dt.timedelta(seconds=60)


def test_each_conference_and_each_call_is_its_own_thread(
    fakeconf: FakeTwilio, client: Client
) -> None:
    first = join(client, "One", "a")
    second = join(client, "Two", "b")
    client.conferences(first.conference_sid).participants("a").delete()  # leaves, completes
    call = client.calls.create(from_=CALLER, to="+15558675310", twiml="<Response/>")
    with pytest.raises(TwilioRestException):
        client.conferences("CF" + "0" * 32).fetch()
    with pytest.raises(TwilioRestException):
        client.calls("CA" + "0" * 32).fetch()
    client.conferences.list()

    story = build(fakeconf)

    kinds = [(t.kind, t.sid) for t in story.threads]
    assert kinds == [
        ("conference", first.conference_sid),
        ("conference", second.conference_sid),
        ("conference", "CF" + "0" * 32),
        ("call", call.sid),
        ("call", "CA" + "0" * 32),
        ("account", fakeconf.account_sid),
    ]
    one = [e.text for e in thread(story, first.conference_sid).entries]
    # the call's completion, after it left, still belongs to the conference's story
    assert f"call-completed {first.call_sid}" in one
    assert one[-1] == f"DELETE /Conferences/{first.conference_sid}/Participants/a.json → 204"
    assert thread(story, "CF" + "0" * 32).title == f"conference {'CF' + '0' * 32}"
    unknown = thread(story, "CA" + "0" * 32)
    assert unknown.title == f"call {'CA' + '0' * 32}"
    assert unknown.entries[0].problem and "→ 404 20404 The requested resource" in (
        unknown.entries[0].text
    )
    assert thread(story, call.sid).title == f"call {call.sid} {CALLER} → +15558675310 (completed)"
    (listing,) = thread(story, fakeconf.account_sid).entries
    assert listing.text == "GET /Conferences.json → 200"


def failing_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
    return [b"boom"]


def test_webhooks_and_alerts_take_their_place_and_problems_are_marked(
    fakeconf: FakeTwilio, client: Client
) -> None:
    fakeconf.route_webhooks("https://app.test", failing_app)
    fakeconf.clock.advance(60)
    call = client.calls.create(from_=CALLER, to="+15558675310", url="https://app.test/voice")
    room = client.conferences("Callbacks").participants.create(
        from_=CALLER,
        to="client:c",
        label="c",
        conference_status_callback="https://app.test/status",
        conference_status_callback_event=["join"],
    )

    story = build(fakeconf)

    voice = thread(story, call.sid).entries
    hooks = [e for e in voice if e.source == "webhook"]
    assert [(e.at, e.problem) for e in hooks] == [(T0 + _dt.timedelta(seconds=60), True)]
    assert hooks[0].text.startswith("voice in-progress POST https://app.test/voice → 500")
    (alert,) = [e for e in voice if e.source == "alert"]
    assert alert.problem and alert.text.startswith("error 11200: ")
    status = [e for e in thread(story, room.conference_sid).entries if e.source == "webhook"]
    assert [e.text for e in status] == [
        "conference-status participant-join POST https://app.test/status → 500"
    ]
    assert status[0].at == T0 + _dt.timedelta(seconds=60)  # from its Timestamp


def test_injected_faults_and_scheduled_skips_are_problems(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Short")
    guest = room.add_participant(label="guest")
    guest.leave(at=T0 + _dt.timedelta(minutes=20))
    room.end(at=T0 + _dt.timedelta(minutes=10))
    fakeconf.clock.advance(1800)
    fakeconf.inject_fault(error="connection")
    with pytest.raises(requests.ConnectionError):
        client.conferences(room.sid).fetch()

    entries = thread(build(fakeconf), room.sid).entries

    skipped = [e for e in entries if e.text.startswith("schedule-skipped")]
    assert len(skipped) == 1 and skipped[0].problem
    (failed,) = [e for e in entries if e.source == "request"]
    assert failed.problem
    assert failed.text == f"GET /Conferences/{room.sid}.json → connection error (injected)"
    assert any(e.text.startswith("conference-end reason_conference_ended=") for e in entries)


def test_requests_are_placed_at_the_moment_the_fake_answered_them(fakeconf: FakeTwilio) -> None:
    fakeconf.clock.freeze(T0)
    http = requests.Session()
    http.auth = (fakeconf.account_sid, fakeconf.auth_token)
    account = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}"
    http.get(f"{account}/Conferences.json")  # a list: no date in its answer
    fakeconf.clock.advance(60)
    room = fakeconf.create_conference("Later")
    http.post(f"{account}/Conferences/{room.sid}.json", data={"AnnounceUrl": "https://x"})
    fakeconf.clock.advance(60)
    http.get(f"{account}/Conferences/CF{'0' * 32}.json")  # a 404: no date either

    entries = [e for t in build(fakeconf).threads for e in t.entries if e.source == "request"]

    minute = _dt.timedelta(seconds=60)
    assert [e.at for e in sorted(entries, key=lambda e: e.order)] == [
        T0,
        T0 + minute,
        T0 + 2 * minute,
    ]
    assert [r.at for r in fakeconf.requests] == [T0, T0 + minute, T0 + 2 * minute]


def test_untimed_entries_take_the_time_around_them(fakeconf: FakeTwilio) -> None:
    """Entries recorded without ``at`` (built by hand) take the time of the entry
    before them in their journal; the first ones, the first time met after them."""
    fakeconf.clock.freeze(T0)
    http = requests.Session()
    http.auth = (fakeconf.account_sid, fakeconf.auth_token)
    account = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}"
    http.get(f"{account}/Conferences.json")
    fakeconf.clock.advance(60)
    room = fakeconf.create_conference("Later")
    http.post(f"{account}/Conferences/{room.sid}.json", data={"AnnounceUrl": "https://x"})
    fakeconf.clock.advance(60)
    http.get(f"{account}/Conferences.json")
    first, update, last = fakeconf.requests
    untimed = [dataclasses.replace(first, at=None), update, dataclasses.replace(last, at=None)]
    fakeconf._journal.clear()
    for request in untimed:
        fakeconf._journal.append(request)

    entries = [e for t in build(fakeconf).threads for e in t.entries if e.source == "request"]

    later = T0 + _dt.timedelta(seconds=60)
    assert [e.at for e in sorted(entries, key=lambda e: e.order)] == [later, later, later]


def test_a_story_of_nothing_but_untimed_requests_starts_now(fakeconf: FakeTwilio) -> None:
    fakeconf.clock.freeze(T0)
    http = requests.Session()
    http.get(f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}/Calls.json")

    story = build(fakeconf)

    (account,) = story.threads
    assert [(e.at, e.problem) for e in account.entries] == [(T0, True)]  # a 401
    assert text.render(story).splitlines()[1:] == [
        f"account {fakeconf.account_sid} — 2026-12-02",
        "! 10:00:00 req   GET /Calls.json → 401 20003 Authenticate",
    ]


def test_answers_that_are_not_json_or_too_long_are_not_read(fakeconf: FakeTwilio) -> None:
    def recorded(body: bytes) -> RecordedRequest:
        return RecordedRequest(
            "GET", "https://api.twilio.com/x", "/x", (), (), {}, 200, {}, body, None
        )

    fakeconf._journal.append(recorded(b"<html>"))
    fakeconf._journal.append(recorded(b'{"sid": "CF' + b"0" * 32 + b'"' + b" " * 70_000 + b"}"))

    (account,) = build(fakeconf).threads
    assert [e.text for e in account.entries] == ["GET /x → 200"] * 2


def test_bounded_journals_say_what_they_dropped() -> None:
    fake = FakeTwilio(journal_size=2)
    room = fake.create_conference("r")
    room.add_participant(label="a")

    story = build(fake)

    assert story.dropped == {"event": 3}
    assert model.dropped_counts(fake) == {"event": 3}
    assert (
        "Bounded journals let go of 3 events: earlier entries dropped."
        in text.render(story).splitlines()
    )


# -- the text -----------------------------------------------------------------------------


def entry(at: _dt.datetime, words: str, problem: bool = False) -> Entry:
    return Entry(at, "event", words, problem=problem)


def story_of(*threads: Thread) -> Story:
    counts: dict[model.Source, int] = {"event": 1, "webhook": 0, "alert": 1, "request": 2}
    return Story("AC1", T0, counts, {}, threads)


def test_the_text_elides_the_middle_of_long_threads() -> None:
    lines = [entry(T0 + _dt.timedelta(seconds=i), f"e{i}") for i in range(100)]
    shown = text.render(story_of(Thread("call", "CA1", "call CA1", tuple(lines))), max_lines=9)
    assert shown.splitlines() == [
        "The fake saw 2 requests, 1 event, 0 webhooks, 1 alert (times: the fake's clock, UTC).",
        "call CA1 — 2026-12-02",
        "  10:00:00 event e0",
        "  10:00:01 event e1",
        "  10:00:02 event e2",
        "  10:00:03 event e3",
        "  … 92 more …",
        "  10:01:36 event e96",
        "  10:01:37 event e97",
        "  10:01:38 event e98",
        "  10:01:39 event e99",
    ]


def test_the_text_counts_repeats_marks_problems_and_says_when_the_day_changes() -> None:
    late = T0 + _dt.timedelta(hours=14)
    lines = (
        entry(T0, "same"),
        entry(T0, "same"),
        entry(T0, "same"),
        entry(T0, "other", problem=True),
        entry(late, "next day"),
    )
    shown = text.render(story_of(Thread("call", "CA1", "call CA1", lines)))
    assert shown.splitlines()[1:] == [
        "call CA1 — 2026-12-02",
        "  10:00:00 event same (x3)",
        "! 10:00:00 event other",
        "  — 2026-12-03 —",
        "  00:00:00 event next day",
    ]


def test_the_text_is_width_limited_and_escapes_control_characters() -> None:
    lines = (entry(T0, "name\x1b[31m\nnext\u200b" + "x" * 200),)
    shown = text.render(story_of(Thread("call", "CA1", "call CA1", lines)), width=60)
    line = shown.splitlines()[2]
    assert line.startswith("  10:00:00 event name\\x1b[31m\\nnext\\u200bxxx")
    assert len(line) == 60 and line.endswith("…")
    assert all(len(row) <= 60 for row in shown.splitlines())


def test_the_text_shows_the_most_recent_threads_only() -> None:
    threads = [Thread("call", f"CA{i}", f"call CA{i}", (entry(T0, "x"),)) for i in range(5)]
    shown = text.render(story_of(*threads), max_threads=2).splitlines()
    assert shown[1] == "… 3 earlier conference(s)/call(s) not shown …"
    assert [row for row in shown if row.startswith("call")] == [
        "call CA3 — 2026-12-02",
        "call CA4 — 2026-12-02",
    ]


def test_an_empty_story_says_so(fakeconf: FakeTwilio) -> None:
    story = build(fakeconf)
    assert story.empty
    assert text.render(story).splitlines()[1] == (
        "Nothing happened on the fake: no request reached it."
    )


# -- the page's view ----------------------------------------------------------------------


def test_the_page_view_draws_participants_as_segments_and_recordings(
    fakeconf: FakeTwilio, client: Client
) -> None:
    alice = join(client, "Support", "alice", conference_record="record-from-start")
    fakeconf.clock.advance(30)
    bob = join(client, "Support", "bob", muted=True)
    sid = alice.conference_sid
    (recording,) = fakeconf.get_conference(sid).recordings
    fakeconf.clock.advance(30)
    client.conferences(sid).recordings(recording.sid).update(status="paused")
    client.conferences(sid).participants("alice").update(hold=True)
    fakeconf.clock.advance(30)
    client.conferences(sid).recordings(recording.sid).update(status="in-progress")
    client.conferences(sid).participants("bob").delete()
    fakeconf.clock.advance(30)
    client.conferences(sid).update(status="completed")

    view = page_story(fakeconf, fakeconf.conferences, [])

    (room,) = view["conferences"]
    assert (room["sid"], room["friendly_name"], room["status"]) == (sid, "Support", "completed")
    assert (room["start"], room["end"]) == (
        "2026-12-02T10:00:00+00:00",
        "2026-12-02T10:02:00+00:00",
    )
    assert room["reason"] == "conference-ended-via-api"
    bars = {p["label"]: p for p in room["participants"]}
    assert [(s["start"][11:19], s["end"][11:19], s["hold"]) for s in bars["alice"]["segments"]] == [
        ("10:00:00", "10:01:00", False),
        ("10:01:00", "10:02:00", True),
    ]
    assert bars["alice"]["left"] == "conference_ended_via_api"
    assert bars["bob"]["call_sid"] == bob.call_sid
    assert [(s["start"][11:19], s["end"][11:19], s["muted"]) for s in bars["bob"]["segments"]] == [
        ("10:00:30", "10:01:30", True)
    ]
    assert bars["bob"]["left"] == "participant_updated_via_api"
    (rec,) = room["recordings"]
    assert rec["sid"] == recording.sid and rec["status"] == "completed"
    assert [(s["start"][11:19], s["end"][11:19], s["paused"]) for s in rec["segments"]] == [
        ("10:00:30", "10:01:00", False),
        ("10:01:00", "10:01:30", True),
        ("10:01:30", "10:02:00", False),
    ]
    assert room["lines"][0] == {
        "at": "2026-12-02T10:00:00+00:00",
        "source": "event",
        "text": "conference-create",
        "problem": False,
    }
    assert view["account_sid"] == fakeconf.account_sid
    assert view["counts"]["request"] == 7 and view["dropped"] == {}


def test_the_page_view_lists_calls_and_alerts_and_survives_a_cut_journal() -> None:
    fake = FakeTwilio(journal_size=3)
    fake.clock.freeze(T0)
    with fake:
        client = Client(fake.account_sid, fake.auth_token)
        call = client.calls.create(from_=CALLER, to="+15558675310", url="https://no.test/v")
    room = fake.create_conference("Cut")
    guest = room.add_participant(label="guest")
    for _ in range(3):
        guest.update(muted=True)
        guest.update(muted=False)  # the join is long dropped

    view = page_story(fake, fake.conferences, [fake.get_call(str(call.sid))])

    assert view["conferences"][0]["participants"] == []
    assert view["dropped"]["event"] > 0
    (shown,) = view["calls"]
    assert (shown["sid"], shown["status"]) == (call.sid, "completed")
    assert (shown["start"], shown["end"]) == (T0.isoformat(), T0.isoformat())
    sources = [line["source"] for line in shown["lines"]]
    assert sources == ["webhook", "alert", "request"]  # its events were dropped
    (alert,) = view["alerts"]
    assert (alert["code"], alert["call_sid"]) == (11200, call.sid)


def test_a_voice_webhook_of_a_deleted_call_and_a_bad_timestamp_still_take_a_time(
    fakeconf: FakeTwilio, client: Client
) -> None:
    fakeconf.route_webhooks("https://app.test", failing_app)
    call = client.calls.create(from_=CALLER, to="+15558675310", url="https://app.test/voice")
    client.calls(call.sid).delete()
    (delivery,) = fakeconf.webhooks
    params = {**delivery.params, "Timestamp": "not a date"}
    flat = tuple(x for kv in params.items() for x in kv)
    fakeconf._router.journal.append(dataclasses.replace(delivery, _flat=flat, kind="x"))

    hooks = [e for t in build(fakeconf).threads for e in t.entries if e.source == "webhook"]

    assert [e.at for e in hooks] == [T0, T0]  # the story's start, then the one before
