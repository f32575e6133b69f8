"""The scripting API a test uses to set the stage and read it back."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from pytest_fakeconf import FakeTwilio, NotFoundError, TwilioError

UTC = dt.timezone.utc
REASONS = (
    "conference-ended-via-api",
    "participant-with-end-conference-on-exit-left",
    "participant-with-end-conference-on-exit-kicked",
    "last-participant-kicked",
    "last-participant-left",
)
PARTICIPANT_REASONS = REASONS[1:]


def test_defaults(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference()
    assert re.fullmatch(r"CF[0-9a-f]{32}", room.sid)
    assert room.status == "in-progress"
    assert room.region == "us1"
    assert room.friendly_name  # Twilio conferences always have a name
    assert room.date_created.tzinfo is not None
    assert room.date_created.utcoffset() == dt.timedelta(0)
    assert room.date_updated == room.date_created
    assert room.reason_conference_ended is None
    assert room.call_sid_ending_conference is None
    assert re.fullmatch(r"AC[0-9a-f]{32}", fakeconf.account_sid)
    assert fakeconf.auth_token


def test_explicit_values_are_kept(fakeconf: FakeTwilio) -> None:
    when = dt.datetime(2022, 6, 1, 8, 30, 15, 999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    sid = "CF" + "ab" * 16
    room = fakeconf.create_conference(
        "Board", status="init", region="jp1", date_created=when, sid=sid
    )
    assert (room.sid, room.friendly_name, room.status, room.region) == (sid, "Board", "init", "jp1")
    assert room.date_created == dt.datetime(2022, 6, 1, 6, 30, 15, tzinfo=UTC)  # UTC, whole seconds
    assert fakeconf.get_conference(sid) == room


@pytest.mark.parametrize("reason", PARTICIPANT_REASONS)
def test_participant_reasons_name_the_given_call(fakeconf: FakeTwilio, reason: str) -> None:
    room = fakeconf.create_conference("Room")
    call = "CA" + "c" * 32
    room.end(reason, call_sid=call)
    assert (room.status, room.reason_conference_ended, room.call_sid_ending_conference) == (
        "completed",
        reason,
        call,
    )


@pytest.mark.parametrize("reason", PARTICIPANT_REASONS)
def test_participant_reasons_generate_a_call_sid_when_none_is_given(
    fakeconf: FakeTwilio, reason: str
) -> None:
    room = fakeconf.create_conference("Room")
    room.end(reason)
    assert re.fullmatch(r"CA[0-9a-f]{32}", room.call_sid_ending_conference or "")


def test_end_via_api_has_no_ending_call(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    room.end()
    assert room.reason_conference_ended == "conference-ended-via-api"
    assert room.call_sid_ending_conference is None
    with pytest.raises(ValueError, match="no call_sid_ending_conference"):
        fakeconf.create_conference("Other").end(
            "conference-ended-via-api", call_sid="CA" + "1" * 32
        )


@pytest.mark.parametrize(
    ("reason", "call_sid"),
    [
        ("completed", None),
        ("last_participant_left", None),  # underscores are the webhook spelling, not this enum
        ("", None),
        (None, None),
        ("last-participant-left", "CF" + "0" * 32),
        ("last-participant-left", "CA123"),
    ],
)
def test_bad_end_raises_value_error_and_changes_nothing(
    fakeconf: FakeTwilio, reason: object, call_sid: str | None
) -> None:
    room = fakeconf.create_conference("Room")
    with pytest.raises(ValueError):
        room.end(reason, call_sid=call_sid)  # type: ignore[arg-type]
    assert room.status == "in-progress"
    assert room.reason_conference_ended is None
    assert [e.kind for e in fakeconf.events] == ["conference-create"]


def test_end_can_be_back_dated(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room", date_created=dt.datetime(2021, 1, 1, 9, tzinfo=UTC))
    room.end("last-participant-left", at=dt.datetime(2021, 1, 1, 10, 30, tzinfo=UTC))
    assert room.date_updated == dt.datetime(2021, 1, 1, 10, 30, tzinfo=UTC)
    assert fakeconf.events[-1].at == room.date_updated


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2021, 1, 1, 8, 59, 59, tzinfo=UTC),  # before the conference began
        dt.datetime(2021, 1, 1, 10, 30),  # naive
    ],
)
def test_end_at_refuses_impossible_moments(fakeconf: FakeTwilio, at: dt.datetime) -> None:
    room = fakeconf.create_conference("Room", date_created=dt.datetime(2021, 1, 1, 9, tzinfo=UTC))
    with pytest.raises(ValueError):
        room.end("last-participant-left", at=at)
    assert room.status == "in-progress"


def test_ending_twice_raises_and_keeps_the_first_reason(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    room.end("last-participant-left", call_sid="CA" + "1" * 32)
    with pytest.raises(TwilioError) as caught:
        room.end()
    assert caught.value.code == 16001
    assert room.reason_conference_ended == "last-participant-left"


def test_one_active_conference_per_friendly_name(fakeconf: FakeTwilio) -> None:
    first = fakeconf.create_conference("Daily")
    with pytest.raises(TwilioError, match="already active"):
        fakeconf.create_conference("Daily")
    with pytest.raises(TwilioError):
        fakeconf.create_conference("Daily", status="init")
    assert len(fakeconf.conferences) == 1
    # completed ones may share the name, and once it ended a new one may start
    fakeconf.create_conference("Daily", status="completed")
    first.end()
    second = fakeconf.create_conference("Daily")
    assert second.status == "in-progress"
    assert len(fakeconf.conferences) == 3


def test_created_completed_carries_one_reason(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Old", status="completed")
    assert room.reason_conference_ended == "last-participant-left"
    assert re.fullmatch(r"CA[0-9a-f]{32}", room.call_sid_ending_conference or "")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"friendly_name": "x" * 129}, ValueError),
        ({"friendly_name": ""}, ValueError),
        ({"friendly_name": 42}, TypeError),
        ({"status": "active"}, ValueError),
        ({"status": "complete"}, ValueError),
        ({"region": "eu1"}, ValueError),
        ({"sid": "CA" + "0" * 32}, ValueError),
        ({"sid": "CF123"}, ValueError),
        ({"date_created": dt.datetime(2021, 1, 1)}, ValueError),  # naive
        ({"date_created": "2021-01-01"}, TypeError),
    ],
)
def test_values_twilio_never_holds_are_refused(
    fakeconf: FakeTwilio, kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        fakeconf.create_conference(**kwargs)  # type: ignore[arg-type]
    assert fakeconf.conferences == []


def test_name_of_exactly_128_characters_is_fine(fakeconf: FakeTwilio) -> None:
    assert fakeconf.create_conference("x" * 128).friendly_name == "x" * 128


def test_duplicate_sid_is_refused(fakeconf: FakeTwilio) -> None:
    sid = "CF" + "1" * 32
    fakeconf.create_conference("a", sid=sid)
    with pytest.raises(TwilioError):
        fakeconf.create_conference("b", sid=sid)


def test_get_conference_unknown_raises_not_found(fakeconf: FakeTwilio) -> None:
    with pytest.raises(NotFoundError):
        fakeconf.get_conference("CF" + "0" * 32)
    with pytest.raises(LookupError):
        fakeconf.get_conference("nope")


def test_conferences_are_newest_first(fakeconf: FakeTwilio) -> None:
    older = fakeconf.create_conference("a", date_created=dt.datetime(2020, 1, 2, tzinfo=UTC))
    newest = fakeconf.create_conference("b", date_created=dt.datetime(2020, 1, 3, tzinfo=UTC))
    oldest = fakeconf.create_conference("c", date_created=dt.datetime(2020, 1, 1, tzinfo=UTC))
    assert fakeconf.conferences == [newest, older, oldest]


def test_events_record_what_happened(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    room.end("last-participant-kicked", call_sid="CA" + "2" * 32)
    kinds = [(e.kind, e.conference_sid) for e in fakeconf.events]
    assert kinds == [("conference-create", room.sid), ("conference-end", room.sid)]
    end = fakeconf.events[-1]
    assert end.data["reason_conference_ended"] == "last-participant-kicked"
    assert end.data["call_sid_ending_conference"] == "CA" + "2" * 32


class TestHistory:
    START = dt.datetime(2021, 1, 1, tzinfo=UTC)
    END = dt.datetime(2021, 1, 31, tzinfo=UTC)

    def test_is_realistic_and_keeps_every_rule(self, fakeconf: FakeTwilio) -> None:
        rooms = fakeconf.generate_history(300, start=self.START, end=self.END)
        assert len(rooms) == len(fakeconf.conferences) == 300
        assert all(self.START <= r.date_created <= self.END for r in rooms)
        statuses = {r.status for r in rooms}
        assert "completed" in statuses
        reasons = Counter(r.reason_conference_ended for r in rooms if r.status == "completed")
        assert len(reasons) >= 4  # a real mix, not one reason everywhere
        # most calls end because the last person hung up
        assert reasons.most_common(1)[0][0] == "last-participant-left"
        for room in rooms:
            if room.status == "completed":
                assert room.reason_conference_ended in REASONS
                assert room.date_updated >= room.date_created
                if room.reason_conference_ended == "conference-ended-via-api":
                    assert room.call_sid_ending_conference is None
                else:
                    assert room.call_sid_ending_conference is not None
            else:
                assert room.reason_conference_ended is None
                assert self.END - room.date_created <= dt.timedelta(hours=2)
        active_names = [r.friendly_name for r in rooms if r.status != "completed"]
        assert len(active_names) == len(set(active_names))
        names = {r.friendly_name for r in rooms}
        assert len(names) > 20 and not any(n.startswith("room-") for n in names)

    def test_same_seed_same_history(self) -> None:
        def names_and_sids(seed: str) -> list[tuple[str, str, str]]:
            fake = FakeTwilio(seed=seed)
            rooms = fake.generate_history(50, start=self.START, end=self.END)
            return [(r.sid, r.friendly_name, r.status) for r in rooms]

        assert names_and_sids("a") == names_and_sids("a")
        assert names_and_sids("a") != names_and_sids("b")

    @pytest.mark.parametrize("count", [-1, 1.5, "3", True])
    def test_bad_count_is_refused(self, fakeconf: FakeTwilio, count: object) -> None:
        with pytest.raises(ValueError):
            fakeconf.generate_history(count)  # type: ignore[arg-type]

    def test_start_after_end_is_refused(self, fakeconf: FakeTwilio) -> None:
        with pytest.raises(ValueError):
            fakeconf.generate_history(5, start=self.END, end=self.START)


def test_reset_returns_the_fake_to_how_it_was_constructed() -> None:
    fake = FakeTwilio(seed="reset")
    credentials = (fake.account_sid, fake.auth_token)
    first = fake.create_conference("Room").sid
    fake.create_api_key()
    fake.reset()
    assert fake.conferences == []
    assert (fake.account_sid, fake.auth_token) == credentials
    assert fake.create_conference("Room").sid == first  # the same SIDs again
