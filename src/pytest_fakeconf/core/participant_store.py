"""Participants: the record, the live participants of one conference, the requests
that add or change one, and Twilio's rules for labels.

Only live participants exist (§5.4): one who leaves, is kicked or whose
conference ends is removed, and a fetch of it is a 404.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from . import errors
from .collection import Collection
from .conference_store import ConferenceSettings
from .index import SortKey
from .vocabulary import LIVE_PARTICIPANT_STATUSES, ParticipantStatus, Region

LABEL_MAX = 128
_CALL_SID_SHAPE = re.compile(r"\ACA[0-9a-f]{32}\Z")


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
    status: ParticipantStatus = "queued"
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


@dataclass(slots=True)
class Dial:
    """A validated request to add a participant."""

    from_: str = ""
    to: str = ""
    label: str | None = None
    call_sid: str | None = None
    muted: bool = False
    hold: bool = False
    coaching: bool = False
    call_sid_to_coach: str | None = None
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    settings: ConferenceSettings = field(default_factory=ConferenceSettings)
    options: dict[str, str] = field(default_factory=dict)
    region: Region | None = None


@dataclass(slots=True)
class Change:
    """A validated participant update; None leaves a field as it is."""

    muted: bool | None = None
    hold: bool | None = None
    coaching: bool | None = None
    call_sid_to_coach: str | None = None
    end_conference_on_exit: bool | None = None
    announce_url: str | None = None
    announce_method: str = "POST"
    options: dict[str, str] = field(default_factory=dict)


# Options whose change Twilio reports as ``participant-modify``: "At least one of a
# participant's attributes has been modified: `BeepOnExit`, `EndConferenceOnExit`,
# `Coaching`, `WaitUrl`" (§4.1); ``WaitMethod`` or ``CallSidToCoach`` alone is not.
MODIFY_OPTIONS = ("BeepOnExit", "WaitUrl")


def check_label(label: str) -> str:
    """16024 unless the label is 1 to 128 characters, not a call SID, and has no ``/``."""
    if (
        not label
        or len(label) > LABEL_MAX
        or _CALL_SID_SHAPE.match(label)
        or "/" in label
        or "%2f" in label.lower()
    ):
        raise errors.invalid_label()
    return label


class ParticipantStore(Collection[Participant]):
    """Live participants, by call SID and by label; paged by hidden ``CP`` SIDs."""

    __slots__ = ("_by_call", "_by_label")

    def __init__(self) -> None:
        super().__init__()
        self._by_call: dict[str, Participant] = {}
        self._by_label: dict[str, Participant] = {}

    def add(self, participant: Participant) -> None:
        if participant.label is not None:
            self.check_label_free(participant.label)
        self._add(participant.key, participant.cp_sid, participant)
        self._by_call[participant.call_sid] = participant
        if participant.label is not None:
            self._by_label[participant.label] = participant

    def remove(self, participant: Participant) -> None:
        """Forget a participant that was live (a participant leaves once)."""
        self._remove(participant.key, participant.cp_sid)
        del self._by_call[participant.call_sid]
        if participant.label is not None:
            del self._by_label[participant.label]

    def check_label_free(self, label: str) -> None:
        if label in self._by_label:
            raise errors.label_in_use()

    def find(self, call_sid_or_label: str) -> Participant | None:
        """Twilio's ``{CallSid}`` path segment: a call SID or a label."""
        found = self._by_call.get(call_sid_or_label)
        return found if found is not None else self._by_label.get(call_sid_or_label)

    def live(self) -> list[Participant]:
        """Every live participant, oldest first."""
        return list(reversed(list(self.newest_first())))

    def connected(self) -> list[Participant]:
        return [p for p in self._by_call.values() if p.status == "connected"]

    def has_call(self, call_sid: str) -> bool:
        return call_sid in self._by_call
