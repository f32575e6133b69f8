"""The rooms of an account: a plain view of Twilio's Conference resource."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from twilio.rest import Client

DEFAULT_PAGE_SIZE = 50  # Twilio's own default; sent explicitly so paging is predictable


@dataclass(frozen=True)
class Room:
    """One conference as the moderator sees it (times are aware UTC datetimes)."""

    sid: str
    friendly_name: str
    status: str
    date_created: dt.datetime
    date_updated: dt.datetime
    region: str | None = None
    reason_conference_ended: str | None = None

    @classmethod
    def from_instance(cls, conference: Any) -> Room:
        """Build a room from a ``twilio`` ``ConferenceInstance``."""
        if conference.date_created is None or conference.date_updated is None:
            raise ValueError(f"conference {conference.sid} has no creation date")
        return cls(
            sid=conference.sid,
            friendly_name=conference.friendly_name or "",
            status=conference.status or "",
            date_created=conference.date_created,
            date_updated=conference.date_updated,
            region=conference.region,
            reason_conference_ended=conference.reason_conference_ended,
        )

    def age(self, now: dt.datetime) -> dt.timedelta:
        """How long the room has existed at ``now`` (an aware datetime)."""
        return now - self.date_created


def stream_live_rooms(
    client: Client,
    *,
    friendly_name: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Iterator[Room]:
    """Yield in-progress rooms, newest first, fetching one page at a time."""
    kwargs: dict[str, Any] = {"status": "in-progress", "page_size": page_size}
    if friendly_name is not None:
        kwargs["friendly_name"] = friendly_name
    for conference in client.conferences.stream(**kwargs):
        yield Room.from_instance(conference)


def list_live_rooms(
    client: Client,
    *,
    friendly_name: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> list[Room]:
    """Every in-progress room (optionally only those named ``friendly_name``), newest first."""
    return list(stream_live_rooms(client, friendly_name=friendly_name, page_size=page_size))
