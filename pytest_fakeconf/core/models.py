"""Plain records of the fake's state. Rules live in the backend, not here."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

ConferenceStatus = str  # "init" | "in-progress" | "completed"

CONFERENCE_STATUSES = ("init", "in-progress", "completed")
ACTIVE_STATUSES = frozenset({"init", "in-progress"})
END_REASONS = (
    "conference-ended-via-api",
    "participant-with-end-conference-on-exit-left",
    "participant-with-end-conference-on-exit-kicked",
    "last-participant-left",
    "last-participant-kicked",
)
REGIONS = ("us1", "us2", "ie1", "de1", "sg1", "br1", "au1", "jp1")
FRIENDLY_NAME_MAX = 128

# Sort key of a record: (date_created in epoch seconds, creation sequence).
# The sequence breaks ties inside one second in creation order, so "newest
# first" is exact even under a frozen clock.
SortKey = tuple[int, int]


@dataclass(slots=True, eq=False)
class Conference:
    account_sid: str
    sid: str
    friendly_name: str
    region: str
    status: ConferenceStatus
    date_created: _dt.datetime
    date_updated: _dt.datetime
    key: SortKey
    reason_conference_ended: str | None = None
    call_sid_ending_conference: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES
