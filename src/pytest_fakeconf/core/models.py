"""Plain records of the fake's state. Rules live in the backend, not here."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .participants import ParticipantStore
    from .recordings import RecordingStore

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
PARTICIPANT_STATUSES = ("queued", "connecting", "ringing", "connected", "complete", "failed")
LIVE_PARTICIPANT_STATUSES = frozenset({"queued", "connecting", "ringing", "connected"})
RECORDING_STATUSES = ("in-progress", "paused", "stopped", "processing", "completed", "absent")
MAX_PARTICIPANTS = 250

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
    settings: ConferenceSettings | None = None  # set by the first participant
    # Created with the first participant / recording, so an idle conference stays small.
    participants: ParticipantStore | None = None
    recordings: RecordingStore | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(slots=True)
class ConferenceSettings:
    """Conference-wide settings; "only the value set by the first participant is used"."""

    max_participants: int = MAX_PARTICIPANTS
    record: bool = False  # ConferenceRecord=true|record-from-start
    trim: str = "trim-silence"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple[str, ...] = ("start", "end")
    recording_status_callback: str | None = None
    recording_status_callback_method: str = "POST"
    recording_status_callback_events: tuple[str, ...] = ("completed",)
    region_chosen: bool = False  # by a participant's Region (the first one that has one)


@dataclass(slots=True, eq=False)
class Participant:
    """A live call in a conference. Twilio keys it by ``call_sid``; ``cp_sid`` is
    the hidden participant SID its page tokens use (``PACP…``)."""

    account_sid: str
    conference_sid: str
    call_sid: str
    cp_sid: str
    key: SortKey
    date_created: _dt.datetime
    date_updated: _dt.datetime
    label: str | None = None
    status: str = "queued"
    muted: bool = False
    hold: bool = False
    coaching: bool = False
    call_sid_to_coach: str | None = None
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    from_: str = ""
    to: str = ""
    # Everything else the participant was created or updated with (WaitUrl,
    # HoldUrl, BeepOnExit, StatusCallback…), as sent.
    options: dict[str, str] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.status in LIVE_PARTICIPANT_STATUSES


@dataclass(slots=True, eq=False)
class Recording:
    """A conference recording; ``duration``/``price`` are known once it completed."""

    account_sid: str
    conference_sid: str
    sid: str
    key: SortKey
    date_created: _dt.datetime
    date_updated: _dt.datetime
    start_time: _dt.datetime
    status: str = "in-progress"
    duration: int | None = None
    price: str | None = None
    price_unit: str | None = None
    channels: int = 1
    source: str = "Conference"
    error_code: int | None = None
    # Accounting: seconds recorded so far, and since when it is running.
    recorded: int = 0
    running_since: _dt.datetime | None = None
