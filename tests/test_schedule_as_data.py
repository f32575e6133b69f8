"""Scheduled actions as data (``Scheduler.register`` / ``restore``), the ``Scheduled``
handle's repr, the SID source's generations and reserved SIDs, and the durable
store's row codec."""

from __future__ import annotations

import datetime as dt

import pytest

from pytest_fakeconf.core.backend import Backend
from pytest_fakeconf.core.conference_store import Conference
from pytest_fakeconf.core.schedule import Scheduled, ScheduledRow, Scheduler
from pytest_fakeconf.core.sids import SidSource
from pytest_fakeconf.server.durable.codec import CodecError, dumps_value, loads, loads_value

UTC = dt.timezone.utc
T0 = dt.datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
NOBODY = "CF" + "0" * 32


def test_scheduled_has_a_clean_repr_and_cancels_once() -> None:
    scheduler = Scheduler()
    seen: list[bool] = []
    scheduler.watch(lambda entry: seen.append(entry.cancelled))
    handle = scheduler.at(T0, f"end {NOBODY}", lambda moment: None)
    assert repr(handle) == (
        "Scheduled(when=datetime.datetime(2030, 1, 1, 10, 0, tzinfo=datetime.timezone.utc), "
        f"what='end {NOBODY}', pending=True)"
    )
    handle.cancel()
    handle.cancel()  # no second notice
    assert seen == [False, True]
    assert repr(handle).endswith("pending=False)")
    assert "lambda" not in repr(handle) and "_entry" not in repr(handle)


def test_an_unwatched_action_cancels_and_runs_quietly() -> None:
    scheduler = Scheduler()
    ran: list[dt.datetime] = []
    kept = scheduler.at(T0, "kept", ran.append)
    scheduler.at(T0, "dropped", ran.append).cancel()
    entry = scheduler.next_due(T0)
    assert entry is not None and entry.what == "kept" and not kept.pending
    assert scheduler.next_due(T0) is None


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        (
            "conference-end",
            {"conference": NOBODY, "reason": "conference-ended-via-api", "call": None},
        ),
        ("participant-speak", {"conference": NOBODY, "call": "CA" + "1" * 32, "seconds": 5}),
        ("participant-speech-stop", {"conference": NOBODY, "call": "CA" + "1" * 32}),
        ("participant-leave", {"conference": NOBODY, "call": "CA" + "1" * 32, "kicked": False}),
        ("recording-processed", {"recording": "RE" + "2" * 32}),
        ("call-pick-up", {"call": "CA" + "3" * 32, "slot": "ring", "outcome": "answer"}),
        ("call-expire", {"call": "CA" + "3" * 32, "slot": "limit"}),
        ("no-such-kind", {}),
    ],
)
def test_an_action_on_something_gone_is_not_restored(kind: str, args: dict[str, object]) -> None:
    backend = Backend(SidSource("gone"))
    account = backend.add_account()
    conference = backend.conferences.create(account.sid, "Here")
    if kind.startswith("participant-"):  # a participant of a conference that exists, not it
        args = {**args, "conference": conference.sid}
    row = ScheduledRow(7, T0, "gone", kind, {"account": account.sid, **args})
    assert backend.scheduler.restore(row) is None
    assert backend.scheduler.pending() == []


def test_a_restored_action_keeps_its_place_and_the_sequence_goes_on() -> None:
    backend = Backend(SidSource("kept"))
    account = backend.add_account()
    room = backend.conferences.create(account.sid, "Room")
    args = {"account": account.sid, "conference": room.sid, "reason": "conference-ended-via-api",
            "call": None}  # fmt: skip
    restored = backend.scheduler.restore(ScheduledRow(41, T0, "end", "conference-end", args))
    assert isinstance(restored, Scheduled) and restored.pending
    later = backend.scheduler.at(T0, "later", lambda moment: None)
    assert [s.what for s in backend.scheduler.pending()] == ["end", "later"]
    assert later.pending


def test_a_salted_source_draws_another_stream_and_skips_reserved_sids() -> None:
    plain, salted = SidSource("seed"), SidSource("seed")
    salted.salt(0)  # generation 0: the seed's own stream
    assert plain.sid("CF") == salted.sid("CF")
    salted.salt(1)
    drawn = {plain.sid("CF") for _ in range(50)}
    assert drawn.isdisjoint({salted.sid("CF") for _ in range(50)})
    again, reserving = SidSource("seed"), SidSource("seed")
    first = again.sid("CF")
    reserving.reserve({first})
    assert reserving.sid("CF") == again.sid("CF")  # the reserved one is skipped


def test_the_codec_keeps_lists_and_refuses_what_it_cannot_save() -> None:
    value = {"numbers": [1, (2, 3)], "when": T0, "gap": dt.timedelta(seconds=1.5)}
    assert loads_value(dumps_value(value)) == value
    with pytest.raises(TypeError, match="cannot save a set"):
        dumps_value({1, 2})
    with pytest.raises(CodecError, match="unreadable Conference row"):
        loads(Conference, "not json")
