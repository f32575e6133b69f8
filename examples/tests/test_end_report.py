"""The end-reason report over a date range, checked against the fake's own records."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from freezegun import freeze_time

from room_moderator import end_reasons_report, end_stale_rooms, format_report

UTC = dt.timezone.utc
NOW = dt.datetime(2024, 5, 31, 18, 30, tzinfo=UTC)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def expected_counts(fakeconf, first_day: dt.date, last_day: dt.date) -> Counter[str]:
    """What the report must say, computed straight from the fake's records."""
    lo, hi = midnight(first_day), midnight(last_day + dt.timedelta(days=1))
    return Counter(
        c.reason_conference_ended
        for c in fakeconf.conferences
        if c.status == "completed" and lo <= c.date_created < hi
    )


@pytest.mark.parametrize(("days", "page_size"), [(30, 50), (7, 10), (1, 100)])
def test_report_matches_the_history_across_pages(fakeconf, client, days, page_size):
    fakeconf.generate_history(120, start=NOW - dt.timedelta(days=30), end=NOW)
    last_day = NOW.date()
    first_day = last_day - dt.timedelta(days=days - 1)
    expected = expected_counts(fakeconf, first_day, last_day)

    report = end_reasons_report(client, first_day, last_day, page_size=page_size)

    assert report.counts == dict(expected)
    assert report.total == sum(expected.values())
    lists = [r for r in fakeconf.requests if r.path.endswith("/Conferences.json")]
    assert len(lists) >= max(1, -(-report.total // page_size))  # every page was read
    for request in lists:
        assert request.params["Status"] == "completed"
        assert request.params["DateCreated>"] == first_day.isoformat()
        assert request.params["DateCreated<"] == (last_day + dt.timedelta(days=1)).isoformat()
    assert [r.method for r in fakeconf.requests] == ["GET"] * len(lists)


def test_the_30_day_report_really_needs_several_pages(fakeconf, client):
    fakeconf.generate_history(120, start=NOW - dt.timedelta(days=30), end=NOW)
    first_day = (NOW - dt.timedelta(days=40)).date()

    report = end_reasons_report(client, first_day, NOW.date(), page_size=50)

    completed = [c for c in fakeconf.conferences if c.status == "completed"]
    assert report.total == len(completed) > 100
    assert len(fakeconf.requests) == 3


def test_day_boundaries_are_exact(fakeconf, client):
    first_day, last_day = dt.date(2024, 5, 10), dt.date(2024, 5, 12)

    def ended(when: dt.datetime, reason: str) -> None:
        fakeconf.create_conference(date_created=when).end(reason)

    ended(midnight(first_day) - dt.timedelta(seconds=1), "last-participant-kicked")  # day before
    ended(midnight(first_day), "conference-ended-via-api")  # first second: in
    ended(dt.datetime(2024, 5, 11, 12, 0, tzinfo=UTC), "last-participant-left")  # in
    ended(dt.datetime(2024, 5, 12, 23, 59, 59, tzinfo=UTC), "last-participant-left")  # last second
    # Twilio's DateCreated<=2024-05-13 still returns this one; the report must not count it.
    ended(midnight(dt.date(2024, 5, 13)), "participant-with-end-conference-on-exit-left")
    fakeconf.create_conference("still live", date_created=dt.datetime(2024, 5, 11, tzinfo=UTC))

    report = end_reasons_report(client, first_day, last_day)

    assert report.counts == {"conference-ended-via-api": 1, "last-participant-left": 2}
    # The response did hold the midnight-after room: the app filtered it out itself.
    returned = fakeconf.requests[0].json()["conferences"]
    assert len(returned) == 4


def test_rooms_the_moderator_ended_show_up_in_the_report(fakeconf, client):
    with freeze_time("2024-05-06 08:00:00") as frozen:
        stuck = fakeconf.create_conference("Forgotten bridge")
        normal = fakeconf.create_conference("Standup")
        frozen.tick(dt.timedelta(minutes=15))
        normal.end("last-participant-left")
        frozen.move_to("2024-05-06 23:00:00")
        end_stale_rooms(client, dt.timedelta(hours=4))

        report = end_reasons_report(client, dt.date(2024, 5, 6), dt.date(2024, 5, 6))

    assert stuck.reason_conference_ended == "conference-ended-via-api"
    assert report.counts == {"conference-ended-via-api": 1, "last-participant-left": 1}


def test_format_report_lists_most_frequent_first(fakeconf, client):
    day = dt.date(2024, 5, 6)
    for i, reason in enumerate(["last-participant-left"] * 3 + ["conference-ended-via-api"]):
        created = midnight(day) + dt.timedelta(hours=i)
        fakeconf.create_conference(date_created=created).end(reason)

    text = format_report(end_reasons_report(client, day, day))

    lines = text.splitlines()
    assert lines[0] == "Rooms ended 2024-05-06 .. 2024-05-06 (UTC): 4"
    assert lines[1].split() == ["last-participant-left", "3"]
    assert lines[2].split() == ["conference-ended-via-api", "1"]


def test_an_empty_range_reports_nothing(fakeconf, client):
    report = end_reasons_report(client, dt.date(2020, 1, 1), dt.date(2020, 1, 7))

    assert (report.counts, report.total) == ({}, 0)
    assert format_report(report) == "Rooms ended 2020-01-01 .. 2020-01-07 (UTC): 0"


def test_a_reversed_range_is_refused_without_calling_twilio(fakeconf, client):
    with pytest.raises(ValueError, match="before"):
        end_reasons_report(client, dt.date(2024, 5, 7), dt.date(2024, 5, 6))
    assert fakeconf.requests == []
