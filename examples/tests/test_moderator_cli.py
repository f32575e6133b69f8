"""``python -m room_moderator``, run in-process so the fake intercepts its calls."""

from __future__ import annotations

import datetime as dt
import io
import runpy
import sys
from collections import Counter

import pytest
from freezegun import freeze_time

from room_moderator.cli import main

UTC = dt.timezone.utc
ACCOUNT = "AC" + "5ca1ab1e" * 4
TOKEN = "cli-test-token"


@pytest.fixture
def env(fakeconf):
    return {"TWILIO_ACCOUNT_SID": fakeconf.account_sid, "TWILIO_AUTH_TOKEN": fakeconf.auth_token}


def run(argv, env):
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, env=env, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.fakeconf(seed=20240531, account_sid=ACCOUNT, auth_token=TOKEN)
def test_report_for_the_last_7_days_as_python_dash_m(fakeconf, monkeypatch, capsys):
    now = dt.datetime(2024, 5, 31, 18, 30, tzinfo=UTC)
    fakeconf.generate_history(120, start=now - dt.timedelta(days=30), end=now)
    first = dt.datetime(2024, 5, 25, tzinfo=UTC)  # 7 days: 25 .. 31 May
    expected = Counter(
        c.reason_conference_ended
        for c in fakeconf.conferences
        if c.status == "completed" and c.date_created >= first
    )
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setattr(sys, "argv", ["room_moderator", "report", "--days", "7"])

    with freeze_time(now), pytest.raises(SystemExit) as excinfo:
        runpy.run_module("room_moderator", run_name="__main__", alter_sys=True)

    assert excinfo.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Rooms ended 2024-05-25 .. 2024-05-31 (UTC): {sum(expected.values())}"
    printed = {line.split()[0]: int(line.split()[1]) for line in lines[1:]}
    assert printed == dict(expected)
    assert sum(expected.values()) > 0
    # The app used the credentials from the environment, for the marker's account.
    assert all(f"/Accounts/{ACCOUNT}/" in r.path for r in fakeconf.requests)
    assert {r.status_code for r in fakeconf.requests} == {200}


def test_missing_credentials_exit_2_without_calling_twilio(fakeconf):
    status, out, err = run(["live"], env={"TWILIO_ACCOUNT_SID": fakeconf.account_sid})

    assert status == 2
    assert "TWILIO_AUTH_TOKEN" in err
    assert out == ""
    assert fakeconf.requests == []


def test_a_wrong_token_exits_1_with_twilios_answer(fakeconf, env):
    status, _, err = run(["live"], env={**env, "TWILIO_AUTH_TOKEN": "not-the-token"})

    assert status == 1
    assert "401" in err and "20003" in err
    assert [r.status_code for r in fakeconf.requests] == [401]


def test_live_lists_rooms(fakeconf, env):
    room = fakeconf.create_conference(
        "Incident bridge", date_created=dt.datetime(2024, 5, 6, 9, 15, tzinfo=UTC)
    )
    fakeconf.create_conference("Old", status="completed")

    status, out, _ = run(["live"], env)

    assert status == 0
    assert out == f"{room.sid}  2024-05-06 09:15  Incident bridge\n"


@freeze_time("2024-05-06 12:00:00")
def test_sweep_dry_run_then_for_real(fakeconf, env):
    old = fakeconf.create_conference("Old", date_created=dt.datetime(2024, 5, 6, 9, tzinfo=UTC))
    new = fakeconf.create_conference("New", date_created=dt.datetime(2024, 5, 6, 11, tzinfo=UTC))

    status, out, _ = run(["sweep", "--max-age-minutes", "90", "--dry-run"], env)
    assert status == 0
    assert out.splitlines() == [f"would end {old.sid}  Old", "1 would end, 0 skipped, 1 kept"]
    assert old.status == "in-progress"

    status, out, _ = run(["sweep", "--max-age-minutes", "90"], env)
    assert status == 0
    assert out.splitlines()[-1] == "1 ended, 0 skipped, 1 kept"
    assert (old.status, new.status) == ("completed", "in-progress")


def test_announce_into_an_ended_room_exits_1(fakeconf, env):
    room = fakeconf.create_conference("Retro")
    room.end("last-participant-kicked")

    status, _, err = run(["announce", room.sid, "https://example.com/bye.xml"], env)

    assert status == 1
    assert room.sid in err and "not live" in err


def test_announce(fakeconf, env):
    room = fakeconf.create_conference("All-hands")

    status, out, _ = run(
        ["announce", room.sid, "https://example.com/hello.xml", "--method", "GET"], env
    )

    assert status == 0
    assert out == f"announced into {room.sid}  All-hands\n"
    assert fakeconf.requests[0].form == (
        ("AnnounceUrl", "https://example.com/hello.xml"),
        ("AnnounceMethod", "GET"),
    )


def test_days_must_be_positive(fakeconf, env, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["report", "--days", "0"], env=env)
    assert excinfo.value.code == 2
    assert "at least 1" in capsys.readouterr().err
    assert fakeconf.requests == []
