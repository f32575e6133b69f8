"""``fakeconf serve --data PATH``: the state in SQLite survives ``kill -9`` and a
restart goes on where it stopped (records, accounts, API keys, the schedule, the
clock, new SIDs only); a store that cannot be used is a clear CLI error; without
``--data`` nothing touches the disk."""

from __future__ import annotations

import datetime as dt
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.cli import main
from pytest_fakeconf.server.durable import DataStoreError

from .test_server import Served, ServeProcess

UTC = dt.timezone.utc
CALLER = "+15017122661"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def execute(path: Path, sql: str) -> None:
    """Change a store behind the server's back (committed, and the file let go)."""
    db = sqlite3.connect(path)
    try:
        with db:
            db.execute(sql)
    finally:
        db.close()


# -- a real process, killed -----------------------------------------------------------------


def start(db: Path) -> tuple[ServeProcess, Served]:
    process = ServeProcess("--port", "0", "--seed", "x", "--data", str(db))
    base, sid, token = process.banner()
    return process, Served(base, sid, token, process)


def fetch(served: Served, path: str) -> bytes:
    response = served.http().get(f"{served.account_url}/{path}", timeout=10)
    assert response.status_code == 200, response.text
    return response.content


def clock(served: Served, **change: Any) -> dt.datetime:
    now = served.ok("POST", "clock", change)["now"]
    return dt.datetime.strptime(now, "%a, %d %b %Y %H:%M:%S %z")


def test_sigkill_loses_no_acknowledged_write_and_a_restart_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first, served = start(db)
    try:
        assert first.read_line() == f"  data:        {db} (0 conferences loaded)"
        client = served.client()
        alice = client.conferences("Standup").participants.create(
            from_=CALLER, to="+15005550001", label="alice"
        )
        room = alice.conference_sid
        bob = client.conferences("Standup").participants.create(from_=CALLER, to="+15005550002")
        client.conferences(room).participants(bob.call_sid).update(muted=True)
        retro = client.conferences("Retro").participants.create(from_=CALLER, to="+15005550003")
        client.conferences(retro.conference_sid).update(status="completed")
        call = client.calls.create(to="+15005550004", from_=CALLER, twiml="<Response/>")
        moved = clock(served, advance=3600)  # the server's clock is an hour ahead
        served.ok("POST", f"conferences/{room}/end", {"at": iso(moved + dt.timedelta(hours=1))})
        paths = [
            f"Conferences/{room}.json",
            f"Conferences/{retro.conference_sid}.json",
            "Conferences.json?Status=completed",
            "Conferences.json",
            f"Conferences/{room}/Participants.json",
            f"Conferences/{room}/Participants/alice.json",
            f"Conferences/{room}/Participants/{bob.call_sid}.json",
            f"Calls/{call.sid}.json",
            "Calls.json?PageSize=2",
        ]
        before = {path: fetch(served, path) for path in paths}
        held = {room, retro.conference_sid, alice.call_sid, bob.call_sid, call.sid}
        offset = moved - dt.datetime.now(UTC)
        first.popen.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.close()

    second, again = start(db)
    try:
        assert (again.account_sid, again.auth_token) == (served.account_sid, served.auth_token)
        assert second.read_line() == f"  data:        {db} (2 conferences loaded)"
        for path, body in before.items():
            assert fetch(again, path) == body, path  # byte for byte
        client = again.client()
        assert [p.call_sid for p in client.conferences(room).participants.list()] == [
            bob.call_sid,
            alice.call_sid,
        ]
        assert client.conferences(room).participants(bob.call_sid).fetch().muted is True
        assert client.calls(call.sid).fetch().status == "completed"
        # The clock is still an hour ahead (give or take the second the restart took).
        now = clock(again)
        assert abs((now - dt.datetime.now(UTC)) - offset) <= dt.timedelta(seconds=3)
        assert client.conferences(room).fetch().status == "in-progress"
        clock(again, advance=3601)  # past the end scheduled before the kill
        ended = client.conferences(room).fetch()
        assert (ended.status, ended.reason_conference_ended) == (
            "completed",
            "conference-ended-via-api",
        )
        with pytest.raises(TwilioRestException) as gone:
            client.conferences(room).participants(bob.call_sid).fetch()
        assert gone.value.status == 404
        fresh = client.conferences("Standup").participants.create(from_=CALLER, to="+15005550009")
        assert fresh.conference_sid not in held
        assert fresh.call_sid not in held
    finally:
        second.close()


def test_a_second_server_on_the_same_store_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    running, _ = start(db)
    try:
        other = ServeProcess("--port", "0", "--data", str(db))
        try:
            assert other.wait(timeout=30) == 2
            assert f"--data {db} is in use by another process" in other.stderr()
            assert "Traceback" not in other.stderr()
        finally:
            other.close()
    finally:
        running.close()


# -- the CLI's answers to stores it cannot use ------------------------------------------------


def refused(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--port", "0", "--data", str(path)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return " ".join(err.split())


def test_a_corrupt_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not SQLite" * 200)
    assert f"--data {path} is not a fakeconf store (not an SQLite database, or corrupt)" in (
        refused(path, capsys)
    )


def test_an_unwritable_path_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    path = tmp_path / "file" / "state.db"  # its "directory" is a file
    assert f"cannot open --data {path}: unable to open database file" in refused(path, capsys)


def test_a_locked_store_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert f"--data {path} is in use by another process" in refused(path, capsys)
    finally:
        holder.close()


def test_a_store_of_another_format_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.db"
    FakeconfServer(FakeTwilio(), data=path).durable.close()  # type: ignore[union-attr]
    execute(path, "UPDATE meta SET value = '99' WHERE key = 'format'")
    assert "written in store format 99; this version reads format 1" in refused(path, capsys)


def test_an_sqlite_file_of_another_program_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.db"
    execute(path, "CREATE TABLE meta (name TEXT)")
    assert f"cannot use --data {path}: no such column: value" in refused(path, capsys)


def test_unreadable_rows_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "state.db"
    FakeconfServer(FakeTwilio(), data=path).durable.close()  # type: ignore[union-attr]
    execute(path, """INSERT INTO conferences VALUES ('CF1', '{"sid": "CF1", "bogus": 1}')""")
    assert "holds records this version cannot read (unreadable Conference row" in refused(
        path, capsys
    )


def test_help_says_what_is_kept_and_what_starts_over(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--data PATH keep the state in an SQLite file at PATH (created if missing)" in text
    assert "(default: none: the state lives in memory, and state and SIDs start over on each " in (
        text
    )


# -- in-process: the same store, restarted ------------------------------------------------------


class Restartable:
    """A ``FakeconfServer(data=…)`` that can be stopped and started again on the store,
    each time with a fresh fake from the same seed."""

    def __init__(self, path: Path, **options: Any) -> None:
        self.path, self.options = path, options
        self.server = self._start()

    def _start(self) -> FakeconfServer:
        fake = FakeTwilio(seed="in-process", **self.options)
        return FakeconfServer(fake, data=self.path).start()

    def restart(self) -> None:
        self.close()
        self.server = self._start()

    def close(self) -> None:
        self.server.stop()
        assert self.server.durable is not None
        self.server.durable.close()

    @property
    def fake(self) -> FakeTwilio:
        return self.server.fake

    @property
    def served(self) -> Served:
        fake = self.fake
        return Served(self.server.base_url, fake.account_sid, fake.auth_token, None, self.server)

    def client(self) -> Client:
        return self.served.client()

    def sync(self) -> None:
        """A request, so what the test scripted in-process is written."""
        assert requests.get(self.server.base_url + "/", timeout=10).status_code == 200


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Restartable]:
    restartable = Restartable(tmp_path / "state.db")
    yield restartable
    restartable.close()


def test_recordings_processing_deletes_and_timers_survive(tmp_path: Path) -> None:
    store = Restartable(tmp_path / "state.db", recording_processing=dt.timedelta(minutes=5))
    try:
        client = store.client()
        first = client.conferences("Rec").participants.create(
            from_=CALLER, to="+15005550001", conference_record="record-from-start"
        )
        client.conferences("Rec").participants.create(from_=CALLER, to="+15005550002")
        room = first.conference_sid
        store.fake.clock.advance(30)
        client.conferences(room).update(status="completed")
        [recording] = client.conferences(room).recordings.list()
        assert recording.status == "processing"
        other = client.conferences("Rec2").participants.create(
            from_=CALLER, to="+15005550003", conference_record="record-from-start"
        )
        client.conferences("Rec2").participants.create(from_=CALLER, to="+15005550004")
        [doomed] = client.conferences(other.conference_sid).recordings.list()
        client.recordings(doomed.sid).delete()  # the account's path: no conference named
        store.restart()
        client = store.client()
        assert client.conferences(room).recordings(recording.sid).fetch().status == "processing"
        with pytest.raises(TwilioRestException) as gone:
            client.recordings(doomed.sid).fetch()
        assert gone.value.status == 404
        store.fake.clock.advance(5 * 60)
        done = client.recordings(recording.sid).fetch()
        assert (done.status, done.duration) == ("completed", "30")
    finally:
        store.close()


def test_ringing_calls_and_time_limits_go_on_after_a_restart(store: Restartable) -> None:
    served = store.served
    served.ok(
        "POST", "call-outcomes", {"number": "+15005550100", "outcome": "answer", "ring_for": 30}
    )
    client = store.client()
    ringing = client.calls.create(
        to="+15005550100", from_=CALLER, twiml="<Response><Pause/></Response>"
    )
    hung = client.calls.create(to="+15005550100", from_=CALLER, twiml="<Response/>")
    limited = client.calls.create(
        to="+15005550101",
        from_=CALLER,
        twiml="<Response><Dial><Conference>Limited</Conference></Dial></Response>",
        time_limit=60,
    )
    done = client.calls.create(to="+15005550102", from_=CALLER, twiml="<Response/>")
    assert client.calls(done.sid).fetch().status == "completed"
    client.calls(done.sid).delete()
    store.restart()
    client = store.client()
    assert client.calls(ringing.sid).fetch().status == "ringing"
    client.calls(hung.sid).update(status="canceled")  # its ring timer is cancelled with it
    assert [s.what for s in store.fake.scheduled] == [
        f"answer {ringing.sid}",
        f"time limit {limited.sid}",
    ]
    with pytest.raises(TwilioRestException) as gone:
        client.calls(done.sid).fetch()
    assert gone.value.status == 404
    store.fake.clock.advance(61)
    assert client.calls(ringing.sid).fetch().status != "ringing"
    assert client.calls(hung.sid).fetch().status == "canceled"
    ended = client.calls(limited.sid).fetch()
    assert (ended.status, ended.duration) == ("completed", "60")


def test_scheduled_participant_steps_survive_and_stale_ones_are_dropped(
    store: Restartable,
) -> None:
    room = store.fake.create_conference("Talk")
    talker = room.add_participant()
    leaver = room.add_participant()
    early = room.add_participant()
    now = store.fake.clock.now()
    talker.speak(duration=dt.timedelta(seconds=20), at=now + dt.timedelta(seconds=10))
    leaver.leave(at=now + dt.timedelta(seconds=60))
    early.kick(at=now + dt.timedelta(seconds=90))
    early.leave()  # the kick scheduled for it no longer applies
    store.sync()
    store.restart()
    assert [s.what for s in store.fake.scheduled] == [
        f"speak {talker.call_sid}",
        f"leave {leaver.call_sid}",
    ]
    store.fake.clock.advance(15)
    assert [s.what for s in store.fake.scheduled] == [
        f"stop speaking {talker.call_sid}",
        f"leave {leaver.call_sid}",
    ]
    store.sync()
    store.restart()
    store.fake.clock.advance(60)
    kinds = [e.kind for e in store.fake.events if e.kind.startswith("participant-")]
    assert kinds == ["participant-speech-stop", "participant-leave"]
    live = store.client().conferences(room.sid).participants.list()
    assert [p.call_sid for p in live] == [talker.call_sid]


def test_accounts_api_keys_history_and_a_frozen_clock_are_kept(store: Restartable) -> None:
    served = store.served
    added = served.ok("POST", "accounts", {}, 201)
    key = store.fake.create_api_key()
    seeded = served.ok("POST", "history", {"count": 3}, 201)
    frozen = clock(served, now="2031-05-06T07:08:09+00:00")
    store.restart()
    served = store.served
    assert [a["account_sid"] for a in served.ok("GET", "accounts")["accounts"]] == [
        served.account_sid,
        added["account_sid"],
    ]
    other = Client(added["account_sid"], added["auth_token"])
    other.api.base_url = served.base_url
    assert other.conferences.list() == []
    with_key = Client(key.sid, key.secret, served.account_sid)
    with_key.api.base_url = served.base_url
    assert len(with_key.conferences.list(status="completed")) == 3
    assert seeded["first_sid"] in {c.sid for c in with_key.conferences.list(status="completed")}
    assert clock(served) == frozen


def test_a_reset_empties_the_store_and_sids_stay_new(store: Restartable) -> None:
    client = store.client()
    before = client.conferences("A").participants.create(from_=CALLER, to="+15005550001")
    store.served.ok("POST", "reset")
    store.restart()
    assert store.server.durable is not None and store.server.durable.loaded == 0
    client = store.client()
    assert client.conferences.list() == []
    after = client.conferences("A").participants.create(from_=CALLER, to="+15005550001")
    assert after.conference_sid != before.conference_sid
    assert after.call_sid != before.call_sid


def test_a_conference_that_never_came_to_be_is_not_kept(store: Restartable) -> None:
    served = store.served
    served.ok("POST", "call-outcomes", {"number": "+15005550200", "outcome": "busy"})
    client = store.client()
    busy = client.conferences("Nobody").participants.create(from_=CALLER, to="+15005550200")
    store.restart()
    with pytest.raises(TwilioRestException) as gone:
        store.client().conferences(busy.conference_sid).fetch()
    assert gone.value.status == 404


def test_an_unknown_scheduled_kind_is_not_restored(store: Restartable) -> None:
    room = store.fake.create_conference("Later")
    room.end(at=store.fake.clock.now() + dt.timedelta(hours=1))
    store.sync()
    store.close()
    execute(store.path, "UPDATE schedule SET data = replace(data, 'conference-end', 'retired')")
    store.server = store._start()
    assert store.fake.scheduled == []


def test_the_in_process_fake_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("SQLite opened without --data")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    monkeypatch.chdir(tmp_path)
    fake = FakeTwilio(seed="memory")
    room = fake.create_conference("Room")
    room.add_participant()
    room.end(at=fake.clock.now() + dt.timedelta(minutes=1))
    with FakeconfServer(fake) as server:
        assert server.durable is None
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = server.base_url
        client.conferences("Other").participants.create(from_=CALLER, to="+15005550002")
    assert list(tmp_path.iterdir()) == []


def test_a_store_error_is_raised_by_the_server_too(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"x" * 4096)
    with pytest.raises(DataStoreError, match="is not a fakeconf store"):
        FakeconfServer(FakeTwilio(), data=path)


def test_dial_children_and_paused_recordings_are_restored(store: Restartable) -> None:
    served = store.served
    served.ok(
        "POST", "call-outcomes", {"number": "+15005550300", "ring_for": 30, "outcome": "answer"}
    )
    client = store.client()
    parent = client.calls.create(
        to="+15005550301",
        from_=CALLER,
        twiml="<Response><Dial><Number>+15005550300</Number></Dial></Response>",
    )
    [child] = client.calls.list(parent_call_sid=parent.sid)
    assert child.status == "ringing"
    first = client.conferences("Paused").participants.create(
        from_=CALLER, to="+15005550001", conference_record="record-from-start"
    )
    client.conferences("Paused").participants.create(from_=CALLER, to="+15005550002")
    room = first.conference_sid
    [recording] = client.conferences(room).recordings.list()
    client.conferences(room).recordings(recording.sid).update(status="paused")
    store.restart()
    client = store.client()
    assert client.conferences(room).recordings(recording.sid).fetch().status == "paused"
    client.calls(parent.sid).update(status="completed")  # its <Dial> child ends with it
    assert client.calls(child.sid).fetch().status == "canceled"


def test_an_action_without_a_kind_lives_in_memory_only(store: Restartable) -> None:
    """Like a ``<Gather>`` timeout, which resumes a running TwiML document."""
    scheduler = store.fake._backend.scheduler
    scheduler.at(store.fake.clock.now() + dt.timedelta(hours=1), "memory only", print)
    store.sync()
    assert [s.what for s in store.fake.scheduled] == ["memory only"]
    store.restart()
    assert store.fake.scheduled == []
