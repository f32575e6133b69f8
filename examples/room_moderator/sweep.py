"""Ending rooms, and sweeping away the ones that ran for too long."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from .rooms import DEFAULT_PAGE_SIZE, Room, stream_live_rooms

Outcome = Literal["ended", "already-ended", "not-found"]


@dataclass(frozen=True)
class EndOutcome:
    """What happened when the moderator tried to end one room."""

    sid: str
    outcome: Outcome
    reason_conference_ended: str | None = None

    @property
    def ended_by_us(self) -> bool:
        return self.outcome == "ended"


@dataclass
class SweepResult:
    """Rooms the sweep ended, left alone because they were young, or skipped."""

    ended: list[Room] = field(default_factory=list)
    kept: list[Room] = field(default_factory=list)
    skipped: list[tuple[Room, EndOutcome]] = field(default_factory=list)


def end_room(client: Client, sid: str) -> EndOutcome:
    """End room ``sid``; a room that already ended (or vanished) is not an error.

    Twilio refuses to complete a conference that is no longer active with a 4xx.
    On a 400 the room is fetched again: if it is completed, someone else ended
    it first and the outcome says so; any other 400 is a real error and is raised.
    """
    try:
        conference = client.conferences(sid).update(status="completed")
    except TwilioRestException as error:
        if error.status == 404:
            return EndOutcome(sid, "not-found")
        if error.status != 400:
            raise
        try:
            current = client.conferences(sid).fetch()
        except TwilioRestException as fetch_error:
            if fetch_error.status == 404:
                return EndOutcome(sid, "not-found")
            raise
        if current.status != "completed":
            raise error  # the 400 was about something else: let the caller see it
        return EndOutcome(sid, "already-ended", current.reason_conference_ended)
    return EndOutcome(sid, "ended", conference.reason_conference_ended)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def end_stale_rooms(
    client: Client,
    max_age: dt.timedelta,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
    before_end: Callable[[Room], None] | None = None,
) -> SweepResult:
    """End every in-progress room that has existed for longer than ``max_age``.

    ``now`` defaults to the current UTC time, read once when the sweep starts.
    A room exactly ``max_age`` old is kept. Rooms are ended while the list is
    paged through. ``before_end`` is called with each stale room just before
    the moderator ends it (a hook for logging, or for tests).
    """
    if max_age <= dt.timedelta(0):
        raise ValueError(f"max_age must be positive, got {max_age}")
    if now is None:
        now = _utcnow()
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    result = SweepResult()
    for room in stream_live_rooms(client, page_size=page_size):
        if room.age(now) <= max_age:
            result.kept.append(room)
            continue
        if dry_run:
            result.ended.append(room)
            continue
        if before_end is not None:
            before_end(room)
        outcome = end_room(client, room.sid)
        if outcome.ended_by_us:
            result.ended.append(room)
        else:
            result.skipped.append((room, outcome))
    return result
