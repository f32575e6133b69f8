"""Conferences of one account: the record, its store and indexes, and its pure rules.

Rules enforced here (sources in ``shared/reference/twilio-conference-api.md``):

* a conference is ``init``, ``in-progress`` or ``completed`` and only moves forward;
* only one *active* (``init`` or ``in-progress``) conference per friendly name
  (§5.2: "Only one of these distinct conferences may be in-progress at any given
  time"; an ``init`` one counts too, since a new participant would join it:
  FIDELITY F03);
* a completed conference carries exactly one of Twilio's five end reasons, and
  ``call_sid_ending_conference`` is null only for ``conference-ended-via-api`` (§5.3);
* friendly names are at most 128 characters.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, get_args

from . import errors
from .clock import epoch_seconds
from .index import KeyIndex, Page, SortKey, Window, select
from .sids import is_sid
from .vocabulary import (
    ACTIVE_STATUSES,
    CONFERENCE_STATUSES,
    END_REASONS,
    REGIONS,
    VIA_API,
    ConferenceCallbackEvent,
    ConferenceRecordingCallbackEvent,
    ConferenceStatus,
    EndReason,
    Region,
    one_of,
)

if TYPE_CHECKING:
    from .participant_store import ParticipantStore
    from .recording_store import RecordingStore

FRIENDLY_NAME_MAX = 128
MAX_PARTICIPANTS = 250

# What ``GET …/Conferences.json`` without ``Status`` lists (FIDELITY: F01): only
# ``in-progress`` conferences (Twilio's default "Starting from September 30th, 2026"),
# or every status (accounts the rollout has not reached yet).
ConferenceListDefault = Literal["in-progress", "all"]
CONFERENCE_LIST_DEFAULTS: tuple[ConferenceListDefault, ...] = get_args(ConferenceListDefault)


@dataclass(slots=True, eq=False)
class Conference:
    account_sid: str
    sid: str
    friendly_name: str
    region: Region
    status: ConferenceStatus
    date_created: _dt.datetime
    date_updated: _dt.datetime
    key: SortKey
    reason_conference_ended: EndReason | None = None
    call_sid_ending_conference: str | None = None
    settings: ConferenceSettings | None = None  # set by the first participant
    # Created with the first participant / recording, so an idle conference stays small.
    participants: ParticipantStore | None = None
    recordings: RecordingStore | None = None
    # Created by a participant dial that has not connected yet (FIDELITY: F30).
    provisional: bool = False

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
    status_callback_events: tuple[ConferenceCallbackEvent, ...] = ("start", "end")
    recording_status_callback: str | None = None
    recording_status_callback_method: str = "POST"
    recording_status_callback_events: tuple[ConferenceRecordingCallbackEvent, ...] = ("completed",)
    region_chosen: bool = False  # by a participant's Region (the first one that has one)


@dataclass(frozen=True, slots=True)
class ConferenceFilter:
    """The list filters of ``GET …/Conferences.json``; bounds are inclusive epoch seconds."""

    status: str | None = None
    friendly_name: str | None = None
    updated_lo: int | None = None
    updated_hi: int | None = None

    def accepts(self, conference: Conference) -> bool:
        if self.status is not None and conference.status != self.status:
            return False
        if self.friendly_name is not None and conference.friendly_name != self.friendly_name:
            return False
        if self.updated_lo is not None or self.updated_hi is not None:
            updated = epoch_seconds(conference.date_updated)
            if self.updated_lo is not None and updated < self.updated_lo:
                return False
            if self.updated_hi is not None and updated > self.updated_hi:
                return False
        return True


def check_friendly_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"friendly_name must be a str, not {type(name).__name__}")
    if not name:
        raise ValueError("friendly_name must not be empty")
    if len(name) > FRIENDLY_NAME_MAX:
        raise ValueError(
            f"friendly_name is {len(name)} characters; Twilio allows at most {FRIENDLY_NAME_MAX}"
        )
    return name


def check_end(reason: object, call_sid: object) -> None:
    """Refuse an end reason or ending call SID that Twilio would never report."""
    one_of("reason", reason, END_REASONS)
    if reason == VIA_API and call_sid is not None:
        raise ValueError(
            "a conference ended via the API has no call_sid_ending_conference; "
            "pass call_sid only with a participant reason"
        )
    if call_sid is not None and not is_sid(call_sid, "CA"):
        raise ValueError(f"call_sid must be 'CA' + 32 hex digits, got {call_sid!r}")


def check_active(conference: Conference) -> None:
    """16001 unless ``conference`` is live (FIDELITY: F10)."""
    if not conference.active:
        raise errors.conference_not_active(conference.sid)


def ending_call(reason: EndReason, call_sid: str | None, draw: Callable[[], str]) -> str | None:
    """The call SID a conference end names: none via the API, else ``call_sid`` or a drawn one."""
    if reason == VIA_API or call_sid is not None:
        return call_sid
    return draw()


class ConferenceStore:
    """All conferences of one account, indexed for Twilio's list filters."""

    __slots__ = (
        "_active_by_name",
        "_all",
        "_by_key",
        "_by_name",
        "_by_seq",
        "_by_sid",
        "_by_status",
        "_updated",
    )

    def __init__(self) -> None:
        self._by_sid: dict[str, Conference] = {}
        self._by_key: dict[SortKey, Conference] = {}
        self._by_seq: dict[int, Conference] = {}
        # (epoch seconds of date_updated, sequence): answers DateUpdated filters
        # from the conferences updated in the range instead of walking them all.
        self._updated = KeyIndex()
        self._all = KeyIndex()
        self._by_status: dict[str, KeyIndex] = {s: KeyIndex() for s in CONFERENCE_STATUSES}
        self._by_name: dict[str, KeyIndex] = {}
        self._active_by_name: dict[str, Conference] = {}

    def __len__(self) -> int:
        return len(self._by_sid)

    def get(self, sid: str) -> Conference | None:
        return self._by_sid.get(sid)

    def active_named(self, friendly_name: str) -> Conference | None:
        return self._active_by_name.get(friendly_name)

    def newest_first(self) -> Iterator[Conference]:
        by_key = self._by_key
        lo, hi = self._all.span(None, None)
        for key in self._all.descending(lo, hi):
            yield by_key[key]

    def add(self, conference: Conference) -> None:
        one_of("status", conference.status, CONFERENCE_STATUSES)
        one_of("region", conference.region, REGIONS)
        if conference.sid in self._by_sid:
            raise errors.duplicate_conference(conference.sid)
        if conference.active:
            other = self._active_by_name.get(conference.friendly_name)
            if other is not None:
                raise errors.conference_name_active(conference.friendly_name, other.sid)
            self._active_by_name[conference.friendly_name] = conference
        self._by_sid[conference.sid] = conference
        self._by_key[conference.key] = conference
        self._by_seq[conference.key[1]] = conference
        self._updated.add(_updated_key(conference))
        self._all.add(conference.key)
        self._by_status[conference.status].add(conference.key)
        self._by_name.setdefault(conference.friendly_name, KeyIndex()).add(conference.key)

    def discard(self, conference: Conference) -> None:
        """Forget ``conference`` (an ``init`` one, so the active one of its name) entirely:
        it never came to be (FIDELITY: F30)."""
        del self._by_sid[conference.sid]
        del self._by_key[conference.key]
        del self._by_seq[conference.key[1]]
        self._updated.remove(_updated_key(conference))
        self._all.remove(conference.key)
        self._by_status[conference.status].remove(conference.key)
        self._by_name[conference.friendly_name].remove(conference.key)
        del self._active_by_name[conference.friendly_name]

    def set_status(self, conference: Conference, status: ConferenceStatus) -> None:
        """Move a stored conference to another ``status`` and keep the indexes in step."""
        self._by_status[conference.status].remove(conference.key)
        self._by_status[status].add(conference.key)
        if conference.active and status == "completed":
            del self._active_by_name[conference.friendly_name]
        conference.status = status

    def end(
        self,
        conference: Conference,
        reason: EndReason,
        call_sid: str | None,
        at: _dt.datetime,
    ) -> None:
        check_active(conference)
        self.set_status(conference, "completed")
        conference.reason_conference_ended = reason
        conference.call_sid_ending_conference = call_sid
        self.touch(conference, at)

    def touch(self, conference: Conference, at: _dt.datetime) -> None:
        """Move ``date_updated`` to ``at``; it never goes backwards (FIDELITY: F33)."""
        if at <= conference.date_updated:
            return
        self._updated.remove(_updated_key(conference))
        conference.date_updated = at
        self._updated.add(_updated_key(conference))

    def add_completed(self, conferences: list[Conference]) -> None:
        """Add many completed conferences at once (``generate_history``): what :meth:`add`
        does for each, every index sorted once instead of kept sorted record by record.
        Checks them all before adding any."""
        seen: set[str] = set()
        for conference in conferences:
            one_of("region", conference.region, REGIONS)
            if conference.status != "completed":
                raise ValueError(f"{conference.sid} is {conference.status}, not completed")
            if conference.sid in self._by_sid or conference.sid in seen:
                raise errors.duplicate_conference(conference.sid)
            seen.add(conference.sid)
        keys: list[SortKey] = []
        updated: list[SortKey] = []
        named: dict[str, list[SortKey]] = {}
        for conference in conferences:
            key = conference.key
            self._by_sid[conference.sid] = conference
            self._by_key[key] = conference
            self._by_seq[key[1]] = conference
            keys.append(key)
            updated.append(_updated_key(conference))
            named.setdefault(conference.friendly_name, []).append(key)
        keys.sort()
        self._all.extend(keys)
        self._by_status["completed"].extend(keys)
        self._updated.extend(updated)
        for name, name_keys in named.items():
            self._by_name.setdefault(name, KeyIndex()).extend(name_keys)

    def page(self, flt: ConferenceFilter, window: Window) -> Page[Conference]:
        """A page of conferences matching ``flt``, walking the smallest index."""
        index = self._all
        residual = flt
        if flt.status is not None:
            index = self._by_status.get(flt.status, KeyIndex())
            residual = ConferenceFilter(None, flt.friendly_name, flt.updated_lo, flt.updated_hi)
        if flt.friendly_name is not None:
            named = self._by_name.get(flt.friendly_name, KeyIndex())
            if len(named) < len(index):
                index = named
                residual = ConferenceFilter(flt.status, None, flt.updated_lo, flt.updated_hi)
        if flt.updated_hi is not None:
            # date_created <= date_updated, so the update bound caps creation too.
            hi = flt.updated_hi if window.hi_ts is None else min(window.hi_ts, flt.updated_hi)
            window = replace(window, hi_ts=hi)
        if flt.updated_lo is not None or flt.updated_hi is not None:
            ulo, uhi = self._updated.span(flt.updated_lo, flt.updated_hi)
            lo, hi = index.span(window.lo_ts, window.hi_ts)
            if uhi - ulo < hi - lo:
                # Fewer conferences were updated in the range than the walk
                # would visit: page over those alone.
                by_seq = self._by_seq
                updated = (by_seq[seq] for _, seq in self._updated.ascending(ulo, uhi))
                keys = sorted(c.key for c in updated if flt.accepts(c))
                return select(KeyIndex.of(keys), window, self._by_key.__getitem__)
        accept = None if residual == ConferenceFilter() else residual.accepts
        return select(index, window, self._by_key.__getitem__, accept)


def _updated_key(conference: Conference) -> SortKey:
    return (epoch_seconds(conference.date_updated), conference.key[1])
