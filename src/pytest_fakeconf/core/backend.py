"""The composition root: accounts, clock, SIDs, events, schedule, and one operations
object per resource (:attr:`Backend.conferences`, :attr:`Backend.participants`,
:attr:`Backend.recordings`, :attr:`Backend.calls`) that every door calls."""

from __future__ import annotations

import datetime as _dt
import itertools
from types import MappingProxyType

from .accounts import Account, Accounts
from .call_store import Call, CallStore
from .calls import Calls
from .clock import Clock, as_utc
from .conference_store import Conference, ConferenceStore
from .conferences import Conferences
from .errors import TwilioError
from .events import Event, EventLog
from .participant_store import Participant
from .participants import Participants
from .recording_store import Recording, RecordingStore
from .recordings import Recordings
from .schedule import Scheduler
from .sids import SidSource
from .vocabulary import EventKind


class Backend:
    """State and rules of one fake Twilio, free of any transport."""

    def __init__(self, sids: SidSource, clock: Clock | None = None) -> None:
        self.sids = sids
        self.clock = clock if clock is not None else Clock()
        self.accounts = Accounts(sids)
        self.events = EventLog()
        self.scheduler = Scheduler()
        self._stores: dict[str, ConferenceStore] = {}
        self._call_stores: dict[str, CallStore] = {}
        self._recording_stores: dict[str, RecordingStore] = {}
        self._seq = itertools.count()
        self._catching_up = False
        self._applying: _dt.datetime | None = None  # the scheduled moment being applied
        self.conferences = Conferences(self)
        self.participants = Participants(self)
        self.recordings = Recordings(self)
        self.calls = Calls(self)

    def next_seq(self) -> int:
        """The creation sequence that orders records created in the same second."""
        return next(self._seq)

    # -- time -----------------------------------------------------------
    def catch_up(self) -> None:
        """Apply every scheduled action that is due by the clock's "now", in order.

        A scheduled action that no longer applies (the conference already
        ended, the participant already left) is skipped and logged as a
        ``schedule-skipped`` event. While an action and what its listeners do (a
        call answered after ringing runs its TwiML, which may join a conference) are
        applied, "now" is the action's moment (see :meth:`moment`), so what follows
        from it is stamped then too, not when the clock was noticed.
        """
        if self._catching_up:
            return
        self._catching_up = True
        try:
            now = self.clock.now()
            while (entry := self.scheduler.next_due(now)) is not None:
                self._applying = entry.when
                try:
                    with self.events.batch():
                        entry.action(entry.when)
                except (TwilioError, ValueError) as error:
                    self.events.emit(
                        Event(
                            "schedule-skipped",
                            entry.account_sid,
                            entry.conference_sid,
                            entry.when,
                            MappingProxyType({"what": entry.what, "why": str(error)}),
                        )
                    )
                finally:
                    self._applying = None
        finally:
            self._catching_up = False

    def moment(self, at: _dt.datetime | None, *floors: _dt.datetime) -> tuple[_dt.datetime, bool]:
        """When an action given ``at`` happens, and whether that is later than now.

        ``None`` means now (never before ``floors``: a record a test dated in
        the clock's future cannot change before it was made). A past ``at``
        back-dates the action and must not precede ``floors``.
        """
        self.catch_up()
        now = self._applying if self._applying is not None else self.clock.now()
        if at is None:
            return max((now, *floors)), False
        when = as_utc(at, "at")
        latest = max(floors, default=when)
        if when < latest:
            raise ValueError(f"at ({when}) is before the last change ({latest})")
        return when, when > now

    # -- accounts and their stores ----------------------------------------
    def add_account(self, sid: str | None = None, auth_token: str | None = None) -> Account:
        account = self.accounts.add(sid, auth_token)
        self._stores[account.sid] = ConferenceStore()
        self._call_stores[account.sid] = CallStore()
        self._recording_stores[account.sid] = RecordingStore()
        return account

    def conference_store(self, account_sid: str) -> ConferenceStore:
        """Every conference of one account."""
        return self._stores[account_sid]

    def call_store(self, account_sid: str) -> CallStore:
        """Every call of one account (``/Calls``)."""
        return self._call_stores[account_sid]

    def recording_store(self, account_sid: str) -> RecordingStore:
        """Every recording of one account (``/Recordings``), whatever its conference."""
        return self._recording_stores[account_sid]

    def call_of(self, participant: Participant) -> Call:
        call = self._call_stores[participant.account_sid].get(participant.call_sid)
        assert call is not None, "a participant without its call"
        return call

    def participant_of(self, call: Call) -> Participant | None:
        """The live participant that is ``call`` in its conference, if it is in one."""
        if call.conference_sid is None:
            return None
        conference = self._stores[call.account_sid].get(call.conference_sid)
        store = conference.participants if conference is not None else None
        found = store.find(call.sid) if store is not None else None
        return found if found is not None and found.call_sid == call.sid else None

    def conference_of(self, record: Participant | Recording) -> Conference:
        conference = self._stores[record.account_sid].get(record.conference_sid)
        assert conference is not None, "a participant or recording outlived its conference"
        return conference

    # -- events -----------------------------------------------------------
    def emit_conference(
        self, kind: EventKind, conference: Conference, at: _dt.datetime, **data: object
    ) -> None:
        self.events.emit(
            Event(kind, conference.account_sid, conference.sid, at, MappingProxyType(data))
        )

    def emit_participant(
        self, kind: EventKind, participant: Participant, at: _dt.datetime, **data: object
    ) -> None:
        """A participant event, with the participant's state at that moment."""
        p = participant
        snapshot = {
            "call_sid": p.call_sid,
            "label": p.label,
            "status": p.status,
            "muted": p.muted,
            "hold": p.hold,
            "coaching": p.coaching,
            "end_conference_on_exit": p.end_conference_on_exit,
            "start_conference_on_enter": p.start_conference_on_enter,
            "participant": p,
        }
        self.events.emit(
            Event(kind, p.account_sid, p.conference_sid, at, MappingProxyType({**snapshot, **data}))
        )

    def emit_call(self, kind: EventKind, call: Call, at: _dt.datetime, **data: object) -> None:
        """A call event: ``call_sid``, ``call`` and ``status``; while the call is a
        participant, the participant's state too (what its status callbacks read)."""
        facts: dict[str, object] = {"call_sid": call.sid, "call": call, "status": call.status}
        participant = self.participant_of(call)
        if participant is not None:
            self.emit_participant(kind, participant, at, **facts, **data)
            return
        self.events.emit(
            Event(
                kind,
                call.account_sid,
                call.conference_sid or "",
                at,
                MappingProxyType({**facts, **data}),
            )
        )

    def emit_recording(self, kind: EventKind, recording: Recording, at: _dt.datetime) -> None:
        self.events.emit(
            Event(
                kind,
                recording.account_sid,
                recording.conference_sid,
                at,
                MappingProxyType({"recording_sid": recording.sid, "recording": recording}),
            )
        )
