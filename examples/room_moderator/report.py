"""How finished rooms ended, counted by ``reason_conference_ended`` over whole UTC days."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from twilio.rest import Client

from .rooms import Room

REPORT_PAGE_SIZE = 100
UNKNOWN_REASON = "unknown"


@dataclass(frozen=True)
class EndReport:
    """Completed rooms created on ``first_day`` .. ``last_day`` (UTC, both included)."""

    first_day: dt.date
    last_day: dt.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def end_reasons_report(
    client: Client,
    first_day: dt.date,
    last_day: dt.date,
    *,
    page_size: int = REPORT_PAGE_SIZE,
) -> EndReport:
    """Count completed rooms created on ``first_day`` .. ``last_day`` by how they ended.

    Twilio's ``DateCreated<=D`` means "on or before midnight at the start of D",
    so the request asks up to the day after ``last_day`` and drops the rooms
    created exactly at that midnight.
    """
    if last_day < first_day:
        raise ValueError(f"last_day {last_day} is before first_day {first_day}")
    after_last = last_day + dt.timedelta(days=1)
    lo, hi = _midnight(first_day), _midnight(after_last)
    counts: Counter[str] = Counter()
    for conference in client.conferences.stream(
        status="completed",
        date_created_after=first_day,
        date_created_before=after_last,
        page_size=page_size,
    ):
        room = Room.from_instance(conference)
        if lo <= room.date_created < hi:
            counts[room.reason_conference_ended or UNKNOWN_REASON] += 1
    return EndReport(first_day, last_day, dict(sorted(counts.items())))


def format_report(report: EndReport) -> str:
    """A small text table, most frequent reason first."""
    lines = [f"Rooms ended {report.first_day} .. {report.last_day} (UTC): {report.total}"]
    width = max((len(reason) for reason in report.counts), default=0)
    for reason, count in sorted(report.counts.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {reason:<{width}}  {count:>5}")
    return "\n".join(lines)
