"""Bounded journals: ``journal_size`` keeps the newest entries of ``requests``,
``webhooks``, ``events`` and ``alerts``, drops the oldest, and counts both; in-process
the journals are unbounded unless asked, server mode bounds them (5,000 by default,
``fakeconf serve --journal-size``)."""

from __future__ import annotations

import datetime as dt
import signal

import pytest
import requests
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio, JournalCount
from pytest_fakeconf.core.bounded import SERVER_JOURNAL_SIZE, BoundedLog, check_size
from pytest_fakeconf.core.events import Event, EventLog
from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.cli import build_parser, journal_size
from pytest_fakeconf.webhooks.alerts import Alerts

from .test_server import PROMPTLY, Served, ServeProcess

NOWHERE = "http://app.invalid/status"  # no receiver: every delivery fails and is alerted


# -- the journal type -------------------------------------------------------------------


def test_a_bounded_log_keeps_the_newest_and_counts_what_it_dropped() -> None:
    log: BoundedLog[int] = BoundedLog(3)
    assert log.size == 3
    for n in range(1, 6):
        log.append(n)
    assert log.snapshot() == [3, 4, 5]
    assert list(log) == [3, 4, 5]
    assert list(reversed(log)) == [5, 4, 3]
    assert (log[0], log[-1], len(log)) == (3, 5, 3)
    assert log.counts == JournalCount(recorded=5, dropped=2, size=3)
    assert log.counts.kept == 3
    assert log.counts.as_dict() == {"recorded": 5, "kept": 3, "dropped": 2, "size": 3}


def test_an_unbounded_log_drops_nothing() -> None:
    log: BoundedLog[int] = BoundedLog()
    for n in range(1000):
        log.append(n)
    assert log.snapshot() == list(range(1000))
    assert log.counts == JournalCount(recorded=1000, dropped=0, size=None)


def test_size_zero_keeps_nothing_but_counts_everything() -> None:
    log: BoundedLog[str] = BoundedLog(0)
    log.append("a")
    log.append("b")
    assert log.snapshot() == []
    assert log.counts == JournalCount(recorded=2, dropped=2, size=0)


def test_resizing_drops_the_oldest_now_and_growing_keeps_what_is_there() -> None:
    log: BoundedLog[int] = BoundedLog()
    for n in range(10):
        log.append(n)
    log.resize(4)
    assert log.snapshot() == [6, 7, 8, 9]
    assert log.counts == JournalCount(recorded=10, dropped=6, size=4)
    log.resize(None)
    log.append(10)
    assert log.snapshot() == [6, 7, 8, 9, 10]
    assert log.counts == JournalCount(recorded=11, dropped=6, size=None)


def test_clear_forgets_the_entries_and_the_counts_but_not_the_size() -> None:
    log: BoundedLog[int] = BoundedLog(2)
    for n in range(5):
        log.append(n)
    log.clear()
    assert log.snapshot() == []
    assert log.counts == JournalCount(recorded=0, dropped=0, size=2)


@pytest.mark.parametrize("bad", [-1, True, 1.5, "10"])
def test_a_size_must_be_none_or_a_whole_number_from_zero(bad: object) -> None:
    with pytest.raises(ValueError, match="journal_size must be None or a whole number"):
        check_size(bad)
    with pytest.raises(ValueError, match="journal_size"):
        FakeTwilio(journal_size=bad)  # type: ignore[arg-type]
    fake = FakeTwilio(journal_size=5)
    with pytest.raises(ValueError, match="journal_size"):
        fake.journal_size = bad  # type: ignore[assignment]
    assert fake.journal_size == 5


def test_since_an_event_the_log_dropped_is_nothing() -> None:
    log = EventLog(size=2)
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    first, second, third = (Event("conference-create", "AC1", f"CF{n}", at) for n in range(3))
    for event in (first, second, third):
        log.emit(event)
    assert log.since(second) == [third]
    assert log.since(first) == []  # dropped: its successors cannot be told apart any more
    assert [e.conference_sid for e in log] == ["CF1", "CF2"]
    assert len(log) == 2
    assert log.counts == JournalCount(recorded=3, dropped=1, size=2)
    log.resize(None)
    assert log.counts.size is None


def test_alerts_keep_their_newest_within_the_bound() -> None:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    alerts = Alerts(lambda: at, size=2)
    for n in range(3):
        alerts.add(11200, f"failure {n}", call_sid=f"CA{n}")
    assert [a.message for a in alerts] == ["failure 1", "failure 2"]
    assert len(alerts) == 2
    assert alerts.for_call("CA0") == []  # dropped
    alerts.resize(1)
    assert [a.call_sid for a in alerts.snapshot()] == ["CA2"]
    assert alerts.counts == JournalCount(recorded=3, dropped=2, size=1)


# -- the fake in-process ------------------------------------------------------------------


def client_of(fake: FakeTwilio) -> Client:
    return Client(fake.account_sid, fake.auth_token)


def test_in_process_every_journal_is_unbounded_by_default() -> None:
    with FakeTwilio(seed="unbounded") as fake:
        client = client_of(fake)
        rooms = [fake.create_conference(f"Room {n}") for n in range(30)]
        for room in rooms:
            client.conferences(room.sid).fetch()
        assert fake.journal_size is None
        assert len(fake.requests) == 30
        assert [r.path.rsplit("/", 1)[-1] for r in fake.requests] == [
            f"{room.sid}.json" for room in rooms
        ]
        counts = fake.journal_counts
        assert set(counts) == {"requests", "webhooks", "events", "alerts"}
        assert counts["requests"] == JournalCount(recorded=30, dropped=0, size=None)
        assert counts["events"].recorded == len(fake.events) >= 30
        assert counts["events"].dropped == 0


def test_a_bounded_fake_keeps_the_newest_requests_through_the_twilio_client() -> None:
    with FakeTwilio(seed="bounded", journal_size=3) as fake:
        client = client_of(fake)
        rooms = [fake.create_conference(f"Room {n}") for n in range(5)]
        for room in rooms:
            client.conferences(room.sid).fetch()
        kept = fake.requests
        assert [r.json()["sid"] for r in kept] == [room.sid for room in rooms[2:]]
        assert fake.journal_counts["requests"] == JournalCount(recorded=5, dropped=2, size=3)


def test_entries_with_the_same_headers_share_one_read_only_copy() -> None:
    with FakeTwilio(seed="shared") as fake:
        client = client_of(fake)
        room = fake.create_conference("Room")
        client.conferences(room.sid).fetch()
        client.conferences(room.sid).fetch()
        session = requests.Session()
        session.auth = (fake.account_sid, fake.auth_token)
        session.get(f"https://api.twilio.com/2010-04-01/Accounts/{fake.account_sid}.json")
        first, second, raw = fake.requests
        assert first.headers is second.headers  # one copy for both entries
        assert first.response_headers is second.response_headers
        assert first.headers["User-Agent"].startswith("twilio-python/")
        assert raw.headers is not first.headers
        assert raw.headers["User-Agent"].startswith("python-requests/")
        with pytest.raises(TypeError):
            first.headers["X-Changed"] = "yes"  # type: ignore[index]


def test_raw_http_requests_are_journaled_within_the_bound_too() -> None:
    with FakeTwilio(seed="raw", journal_size=2) as fake:
        base = f"https://api.twilio.com/2010-04-01/Accounts/{fake.account_sid}"
        auth = (fake.account_sid, fake.auth_token)
        statuses = [
            requests.get(f"{base}/Conferences.json", auth=auth, timeout=5).status_code,
            requests.get(f"{base}/Conferences/CF{'0' * 32}.json", auth=auth, timeout=5).status_code,
            requests.post(
                f"{base}/Calls.json", data={"From": "+15017122661"}, auth=auth, timeout=5
            ).status_code,
        ]
        assert statuses == [200, 404, 400]
        assert [r.status_code for r in fake.requests] == [404, 400]
        assert fake.requests[-1].json()["code"] == 21201  # To is required
        assert fake.journal_counts["requests"].dropped == 1


def fail_callbacks(fake: FakeTwilio, room_name: str, count: int) -> None:
    """``count`` participants join with a status callback nobody receives, then leave."""
    client = client_of(fake)
    for n in range(count):
        joined = client.conferences(room_name).participants.create(
            from_="+15017122661",
            to=f"+1555867{n:04d}",
            status_callback=NOWHERE,
            status_callback_event=["completed"],
        )
        client.conferences(joined.conference_sid).participants(joined.call_sid).delete()


def test_webhooks_events_and_alerts_keep_their_newest_entries() -> None:
    unbounded, fake = FakeTwilio(seed="twins"), FakeTwilio(seed="twins", journal_size=4)
    for each in (unbounded, fake):  # the same seed: the same SIDs, the same journals
        each.create_conference("Room")
        with each:
            fail_callbacks(each, "Room", 6)

    def journals(of: FakeTwilio) -> dict[str, list[tuple[object, ...]]]:
        return {
            "webhooks": [(w.kind, w.url, w.params.get("CallSid")) for w in of.webhooks],
            "events": [(e.kind, e.conference_sid, e.data.get("call_sid")) for e in of.events],
            "alerts": [(a.code, a.call_sid) for a in of.alerts],
        }

    every, newest = journals(unbounded), journals(fake)
    assert len(every["webhooks"]) == len(every["alerts"]) == 6  # one "completed" each
    assert all(code == 11200 for code, _ in every["alerts"])
    counts = fake.journal_counts
    for name in ("webhooks", "events", "alerts"):
        assert newest[name] == every[name][-4:], name
        recorded = len(every[name])
        assert counts[name] == JournalCount(recorded, recorded - 4, 4), name


def test_setting_journal_size_drops_now_and_survives_reset() -> None:
    fake = FakeTwilio(seed="resize")
    for n in range(6):
        fake.create_conference(f"Room {n}")
    assert len(fake.events) > 3
    before = fake.events
    fake.journal_size = 3
    assert fake.events == before[-3:]
    assert fake.journal_counts["events"].dropped == len(before) - 3
    fake.reset()
    assert fake.journal_size == 3
    assert fake.journal_counts["events"] == JournalCount(0, 0, 3)
    for n in range(5):
        fake.create_conference(f"Again {n}")
    assert len(fake.events) == 3
    fake.journal_size = None
    fake.create_conference("Unbounded")
    assert len(fake.events) == 4


def test_ended_calls_keep_their_logs_within_the_bound() -> None:
    twiml = "<Response><Say>Call {n}</Say></Response>"
    with FakeTwilio(seed="logs", journal_size=2) as fake:
        client = client_of(fake)
        sids = [
            client.calls.create(
                to="+15558675310", from_="+15017122661", twiml=twiml.format(n=n)
            ).sid
            for n in range(4)
        ]
        assert [fake.get_call(sid).status for sid in sids] == ["completed"] * 4
        logs = [[(e.verb, e.text) for e in fake.get_call(sid).log] for sid in sids]
        assert logs[:2] == [[], []]  # the two oldest ended calls are forgotten
        assert logs[2:] == [[("Say", "Call 2")], [("Say", "Call 3")]]
        fake.journal_size = 1
        assert fake.get_call(sids[2]).log == []
        assert [e.text for e in fake.get_call(sids[3]).log] == ["Call 3"]


def test_a_call_joined_by_its_twiml_is_remembered_after_it_ends() -> None:
    twiml = "<Response><Dial><Conference>Standup</Conference></Dial></Response>"
    with FakeTwilio(seed="joined", journal_size=5) as fake:
        client = client_of(fake)
        call = client.calls.create(to="+15558675310", from_="+15017122661", twiml=twiml)
        room = fake.conferences[0]
        assert room.friendly_name == "Standup"
        fake.get_call(call.sid).hang_up()
        assert [e.verb for e in fake.get_call(call.sid).log] == ["Dial"]
        assert [p.conference_sid for p in fake._runner.joined(call.sid)] == [room.sid]


# -- server mode ----------------------------------------------------------------------------


def test_a_server_without_a_fake_of_its_own_bounds_its_journals() -> None:
    assert FakeconfServer().fake.journal_size == SERVER_JOURNAL_SIZE == 5_000
    mine = FakeTwilio()
    assert FakeconfServer(mine).fake.journal_size is None  # the caller chose


def test_serve_journal_size_defaults_to_5000_and_takes_a_number_or_unbounded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    assert parser.parse_args(["serve"]).journal_size == 5_000
    assert parser.parse_args(["serve", "--journal-size", "25"]).journal_size == 25
    assert parser.parse_args(["serve", "--journal-size", "0"]).journal_size == 0
    assert parser.parse_args(["serve", "--journal-size", "Unbounded"]).journal_size is None
    assert journal_size(" unbounded ") is None
    for bad in ("-1", "many", "1.5"):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(["serve", "--journal-size", bad])
        assert exit_.value.code == 2
        assert "expected a whole number >= 0 or 'unbounded'" in capsys.readouterr().err


def test_serve_help_names_the_journal_size_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--journal-size N entries each journal keeps" in text
    assert "(default: 5000)" in text


def test_serve_journal_size_bounds_the_control_journals_over_the_socket() -> None:
    started = ServeProcess("--port", "0", "--seed", "bounded", "--journal-size", "3")
    try:
        served = Served(*started.banner(), process=started)
        client = served.client()
        rooms = [served.ok("POST", "conferences", {"friendly_name": f"R{n}"}, status=201)["sid"]
                 for n in range(5)]  # fmt: skip
        for sid in rooms:
            assert client.conferences(sid).fetch().sid == sid
        journal = served.ok("GET", "requests")
        assert [r["url"].rsplit("/", 1)[-1] for r in journal] == [f"{s}.json" for s in rooms[2:]]
        assert len(served.ok("GET", "events")) == 3
        journals = served.ok("GET", "state")["journals"]
        assert journals["requests"] == {"recorded": 5, "kept": 3, "dropped": 2, "size": 3}
        assert set(journals) == {"requests", "webhooks", "events", "alerts"}
        started.popen.send_signal(signal.SIGTERM)
        assert started.wait(timeout=PROMPTLY) == 0
    finally:
        started.close()
