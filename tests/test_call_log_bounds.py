"""A call's log (``CallHandle.log``) within a bounded fake keeps its newest entries.

A call held in a conference hears every announcement played there; in server mode
(journals bounded) its log keeps its newest ``journal_size`` entries, at most
``CALL_LOG_SIZE``, so a call held open for days does not grow the server's memory
without end. Entries updated after later ones were added (a ``<Dial>``'s answer) are
found by their position even after older entries were dropped; one dropped already is
left alone. In-process, by default, a call's log keeps every entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.webhooks import voice
from pytest_fakeconf.webhooks.call_logs import CallLogs
from pytest_fakeconf.webhooks.delivery import FORM, Router
from pytest_fakeconf.webhooks.signature import signature

BASE = "https://app.test"
NOW = lambda: dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)  # noqa: E731
CALLER = "+15017122661"
DIAL = "<Response><Dial><Conference>Room</Conference></Dial><Say>after</Say></Response>"


def announcer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """``/a/N`` says ``N``."""
    n = environ["PATH_INFO"].rsplit("/", 1)[1]
    start_response("200 OK", [("Content-Type", "text/xml")])
    return [f"<Response><Say>{n}</Say></Response>".encode()]


def client_of(fake: FakeTwilio) -> Client:
    return Client(fake.account_sid, fake.auth_token)


def held_call(fake: FakeTwilio, announcements: int) -> str:
    """A call whose TwiML dials it into "Room", then ``announcements`` played there."""
    fake.route_webhooks(BASE, announcer)
    sid: str = client_of(fake).calls.create(to="+15558675310", from_=CALLER, twiml=DIAL).sid
    (room,) = fake.conferences
    for n in range(announcements):
        room.announce(f"{BASE}/a/{n}")
    return sid


def said(fake: FakeTwilio, sid: str) -> list[tuple[str, str, str | None]]:
    return [(e.verb, e.text, e.answer) for e in fake.get_call(sid).log]


# -- CallLogs -----------------------------------------------------------------------------


def test_a_bounded_call_log_keeps_its_newest_and_their_positions() -> None:
    logs: CallLogs[str] = CallLogs(2)
    assert [logs.add("CA1", x) for x in "abc"] == [0, 1, 2]
    assert logs.add("CA2", "z") == 0  # each call counts its own
    assert (logs.entries("CA1"), logs.kept("CA1"), logs.entries("CA3")) == (["b", "c"], 2, [])
    logs.amend("CA1", 0, str.upper)  # dropped: nothing
    logs.amend("CA1", 1, str.upper)
    assert logs.entries("CA1") == ["B", "c"]
    logs.resize(1)
    assert (logs.entries("CA1"), logs.entries("CA2")) == (["c"], ["z"])
    logs.amend("CA1", 2, lambda x: x + "!")
    assert (logs.entries("CA1"), logs.add("CA1", "d")) == (["c!"], 3)
    assert (sorted(logs), len(logs)) == (["CA1", "CA2"], 2)
    logs.forget("CA1")
    logs.forget("CA9")
    assert (list(logs), logs.add("CA1", "e")) == (["CA2"], 0)  # a new log counts anew


def test_an_unbounded_call_log_drops_nothing_and_size_zero_keeps_nothing() -> None:
    logs: CallLogs[int] = CallLogs()
    assert [logs.add("CA1", n) for n in range(5)] == list(range(5))
    assert logs.entries("CA1") == list(range(5))
    logs.resize(0)
    assert (logs.entries("CA1"), logs.add("CA1", 5)) == ([], 5)
    logs.amend("CA1", 5, lambda n: n + 1)  # dropped as it came
    logs.resize(None)
    logs.add("CA1", 6)
    assert logs.entries("CA1") == [6]
    with pytest.raises(ValueError, match="journal_size"):
        logs.resize(-1)


# -- a call's log in a fake ---------------------------------------------------------------


def test_in_process_a_held_call_keeps_every_announcement_and_its_dial_answer() -> None:
    with FakeTwilio(seed="every") as fake:
        sid = held_call(fake, 3)
        fake.get_call(sid).hang_up()
        assert said(fake, sid) == [
            ("Dial", "Room", "answered"),
            ("Say", "0", None),
            ("Say", "1", None),
            ("Say", "2", None),
        ]


def test_a_bounded_fake_keeps_the_newest_entries_of_a_held_call() -> None:
    with FakeTwilio(seed="bounded", journal_size=2) as fake:
        sid = held_call(fake, 5)
        assert said(fake, sid) == [("Say", "3", None), ("Say", "4", None)]
        fake.get_call(sid).hang_up()  # the Dial's entry is gone: its answer is dropped too
        assert said(fake, sid) == [("Say", "3", None), ("Say", "4", None)]
        assert fake.get_call(sid).status == "completed"


def test_the_dial_answer_lands_on_its_entry_after_older_entries_were_dropped() -> None:
    with FakeTwilio(seed="moved", journal_size=3) as fake:
        fake.route_webhooks(BASE, announcer)
        first = "<Response><Say>one</Say><Say>two</Say>" + DIAL[len("<Response>") :]
        sid = client_of(fake).calls.create(to="+15558675310", from_=CALLER, twiml=first).sid
        (room,) = fake.conferences
        room.announce(f"{BASE}/a/0")  # drops "one": the Dial's entry moves to the front
        participant = room.participants[0]
        participant.kick()  # the Dial is over: answered; then <Say>after</Say>, the end
        assert said(fake, sid) == [
            ("Dial", "Room", "answered"),
            ("Say", "0", None),
            ("Say", "after", None),
        ]


def test_a_call_log_is_at_most_call_log_size_and_shrinks_with_the_journal_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(voice, "CALL_LOG_SIZE", 3)
    with FakeTwilio(seed="cap", journal_size=100) as fake:
        sid = held_call(fake, 5)
        assert said(fake, sid) == [("Say", str(n), None) for n in (2, 3, 4)]
        fake.journal_size = 1  # shrinks the live call's log now
        assert said(fake, sid) == [("Say", "4", None)]
        fake.journal_size = None  # unbounded from now on: nothing comes back
        fake.conferences[0].announce(f"{BASE}/a/5")
        fake.conferences[0].announce(f"{BASE}/a/6")
        assert said(fake, sid) == [("Say", str(n), None) for n in (4, 5, 6)]


# -- a journaled webhook keeps its parameters once ------------------------------------------


def test_a_delivery_keeps_its_pairs_once_and_makes_params_and_headers_from_them() -> None:
    router = Router(lambda _account: "token", now=NOW)
    sent = [("AccountSid", "AC1"), ("Key", "first"), ("Key", "second")]
    post = router.send("call-status", f"{BASE}/hook", "post", sent)
    get = router.send("call-status", f"{BASE}/hook", "GET", sent)
    assert post.pairs == get.pairs == tuple(sent)
    assert dict(post.params) == {"AccountSid": "AC1", "Key": "first"}
    assert post.headers["Content-Type"] == FORM and "Content-Type" not in get.headers
    assert post.headers["X-Twilio-Signature"] == signature("token", f"{BASE}/hook", sent)
    assert get.headers["X-Twilio-Signature"] == signature("token", get.url, ())
    assert list(router.journal) == [post, get]


def test_a_delivery_tells_its_event_and_a_get_without_parameters_keeps_its_url() -> None:
    router = Router(lambda _account: "token", now=NOW)
    status = router.send("call-status", f"{BASE}/s", "POST", [("CallStatus", "ringing")])
    bare = router.send("voice", f"{BASE}/v?x=1", "GET", [])
    assert (status.event, bare.event) == ("ringing", None)
    assert (bare.url, bare.pairs, dict(bare.params)) == (f"{BASE}/v?x=1", (), {})


@pytest.mark.parametrize("base_url", ["ftp://app.test", "/relative", "https://"])
def test_a_route_needs_an_absolute_http_url(base_url: str) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        Router(lambda _account: "token", now=NOW).route(base_url, lambda *_: (200, b""))
