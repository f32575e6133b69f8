"""The one object every door calls: accounts, their conferences, clock, SIDs, events."""

from __future__ import annotations

import datetime as _dt
import itertools
from types import MappingProxyType

from .accounts import Account, Accounts
from .calls import Calls
from .clock import Clock, as_utc, epoch_seconds
from .conferences import (
    VIA_API,
    ConferenceFilter,
    ConferenceStore,
    check_active,
    check_end,
    check_friendly_name,
    ending_call,
)
from .errors import TwilioError
from .events import Event, EventLog
from .index import Page, Window
from .models import CONFERENCE_STATUSES, Conference, Participant, Recording
from .recorder import Recorder
from .schedule import Scheduled, Scheduler
from .sids import SidSource, is_sid

# ReasonParticipantLeft of the participants still there when a conference ends.
_LEFT_BECAUSE = {
    VIA_API: "conference_ended_via_api",
    "participant-with-end-conference-on-exit-left": "moderator_ended_conference",
    "participant-with-end-conference-on-exit-kicked": "moderator_ended_conference",
}


class Backend:
    """State and rules of one fake Twilio, free of any transport."""

    def __init__(self, sids: SidSource, clock: Clock | None = None) -> None:
        self.sids = sids
        self.clock = clock if clock is not None else Clock()
        self.accounts = Accounts(sids)
        self.events = EventLog()
        self._stores: dict[str, ConferenceStore] = {}
        self._seq = itertools.count()
        self.scheduler = Scheduler()
        self.calls = Calls(self)
        self.recorder = Recorder(self)
        self._catching_up = False

    def _call_sid(self) -> str:
        return self.sids.sid("CA")

    def next_seq(self) -> int:
        """The creation sequence that orders records created in the same second."""
        return next(self._seq)

    # -- time -----------------------------------------------------------
    def catch_up(self) -> None:
        """Apply every scheduled action that is due by the clock's "now", in order.

        A scheduled action that no longer applies (the conference already
        ended, the participant already left) is skipped and logged as a
        ``schedule-skipped`` event.
        """
        if self._catching_up:
            return
        self._catching_up = True
        try:
            now = self.clock.now()
            while (entry := self.scheduler.next_due(now)) is not None:
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
            self._catching_up = False

    def moment(self, at: _dt.datetime | None, *floors: _dt.datetime) -> tuple[_dt.datetime, bool]:
        """When an action given ``at`` happens, and whether that is later than now.

        ``None`` means now (never before ``floors``: a record a test dated in
        the clock's future cannot change before it was made). A past ``at``
        back-dates the action and must not precede ``floors``.
        """
        self.catch_up()
        now = self.clock.now()
        if at is None:
            return max((now, *floors)), False
        when = as_utc(at, "at")
        latest = max(floors, default=when)
        if when < latest:
            raise ValueError(f"at ({when}) is before the last change ({latest})")
        return when, when > now

    # -- accounts -------------------------------------------------------
    def add_account(self, sid: str | None = None, auth_token: str | None = None) -> Account:
        account = self.accounts.add(sid, auth_token)
        self._stores[account.sid] = ConferenceStore()
        return account

    def conferences(self, account_sid: str) -> ConferenceStore:
        return self._stores[account_sid]

    # -- conferences ----------------------------------------------------
    def create_conference(
        self,
        account_sid: str,
        friendly_name: str | None = None,
        *,
        status: str = "in-progress",
        region: str = "us1",
        date_created: _dt.datetime | None = None,
        sid: str | None = None,
    ) -> Conference:
        """A new conference. One born ``completed`` ended the commonest way:
        the last participant hung up (tests wanting another reason create it
        active and end it, or use :meth:`create_ended`)."""
        if status not in CONFERENCE_STATUSES:
            raise ValueError(
                f"status must be one of {', '.join(CONFERENCE_STATUSES)}; got {status!r}"
            )
        if status == "completed":
            return self.create_ended(
                account_sid, friendly_name, region=region, date_created=date_created, sid=sid
            )
        conference = self._new(account_sid, friendly_name, status, region, date_created, sid)
        self._stores[account_sid].add(conference)
        self._emit("conference-create", conference, conference.date_created)
        return conference

    def create_ended(
        self,
        account_sid: str,
        friendly_name: str | None = None,
        *,
        region: str = "us1",
        date_created: _dt.datetime | None = None,
        sid: str | None = None,
        reason: str = "last-participant-left",
        call_sid: str | None = None,
        ended_at: _dt.datetime | None = None,
    ) -> Conference:
        """A conference that already ran and ended (for history and reports)."""
        check_end(reason, call_sid)
        conference = self._new(account_sid, friendly_name, "completed", region, date_created, sid)
        ended = conference.date_created if ended_at is None else as_utc(ended_at, "ended_at")
        if ended < conference.date_created:
            raise ValueError(
                f"ended_at ({ended}) is before date_created ({conference.date_created})"
            )
        conference.reason_conference_ended = reason
        conference.call_sid_ending_conference = ending_call(reason, call_sid, self._call_sid)
        conference.date_updated = ended
        self._stores[account_sid].add(conference)
        return conference

    def _new(
        self,
        account_sid: str,
        friendly_name: str | None,
        status: str,
        region: str,
        date_created: _dt.datetime | None,
        sid: str | None,
    ) -> Conference:
        if sid is not None and not is_sid(sid, "CF"):
            raise ValueError(f"sid must be 'CF' + 32 hex digits, got {sid!r}")
        if friendly_name is not None:
            check_friendly_name(friendly_name)
        now, _ = self.moment(None)
        created = now if date_created is None else as_utc(date_created, "date_created")
        sid = sid if sid is not None else self.sids.sid("CF")
        seq = next(self._seq)
        return Conference(
            account_sid=account_sid,
            sid=sid,
            friendly_name=friendly_name if friendly_name is not None else f"room-{sid[-8:]}",
            region=region,
            status=status,
            date_created=created,
            date_updated=created,
            key=(epoch_seconds(created), seq),
        )

    def end_conference(
        self,
        conference: Conference,
        reason: str = VIA_API,
        call_sid: str | None = None,
        *,
        at: _dt.datetime | None = None,
    ) -> Scheduled | None:
        """End ``conference`` for ``reason`` now, back-dated, or later.

        The four participant reasons name a call (``call_sid`` or a generated
        one). A future ``at`` schedules the end (returned); it happens when
        the clock passes that moment.
        """
        check_end(reason, call_sid)
        when, later = self.moment(at, conference.date_updated)
        check_active(conference)
        call_sid = ending_call(reason, call_sid, self._call_sid)
        if later:
            return self.scheduler.at(
                when,
                f"end {conference.sid} ({reason})",
                lambda moment: self._end(conference, reason, call_sid, moment),
                conference,
            )
        self._end(conference, reason, call_sid, when)
        return None

    def _end(
        self, conference: Conference, reason: str, call_sid: str | None, at: _dt.datetime
    ) -> None:
        ending = None
        if call_sid is not None and conference.participants is not None:
            ending = conference.participants.find(call_sid)
        self.finish(conference, reason, ending, at, call_sid=call_sid)

    def finish(
        self,
        conference: Conference,
        reason: str,
        ending: Participant | None,
        at: _dt.datetime,
        *,
        call_sid: str | None = None,
    ) -> None:
        """End a conference: remaining participants leave, the recording
        completes, then the conference is ``completed`` and ``conference-end``
        is its last event."""
        check_active(conference)
        if ending is not None:
            call_sid = ending.call_sid
        at = max(at, conference.date_updated)
        if conference.participants is not None:
            because = _LEFT_BECAUSE.get(reason, "conference_ended_via_api")
            for participant in conference.participants.live():
                self.calls.disconnect(participant, at, because)
        self.recorder.finish(conference, at)
        self._stores[conference.account_sid].end(conference, reason, call_sid, at)
        self._emit(
            "conference-end",
            conference,
            conference.date_updated,
            reason_conference_ended=reason,
            call_sid_ending_conference=call_sid,
            participant_label_ending_conference=ending.label if ending is not None else None,
        )

    def start_if_ready(self, conference: Conference, at: _dt.datetime) -> None:
        """``init`` → ``in-progress`` once two are connected and one starts it."""
        if conference.status != "init" or conference.participants is None:
            return
        connected = conference.participants.connected()
        if len(connected) < 2 or not any(p.start_conference_on_enter for p in connected):
            return
        store = self._stores[conference.account_sid]
        store.set_status(conference, "in-progress")
        store.touch(conference, at)
        self._emit("conference-start", conference, at)
        if conference.settings is not None and conference.settings.record:
            self.recorder.start(conference, at)

    def leave(
        self, participant: Participant, *, kicked: bool, at: _dt.datetime | None = None
    ) -> Scheduled | None:
        """A participant hangs up or is kicked, now, back-dated or later."""
        when, later = self.moment(at, participant.date_updated)
        if not participant.live:
            raise TwilioError(
                404, 20404, f"Participant {participant.call_sid} is no longer in the conference"
            )
        what = "kick" if kicked else "leave"
        if later:
            return self.scheduler.at(
                when,
                f"{what} {participant.call_sid}",
                lambda moment: self.calls.leave(participant, kicked=kicked, at=moment),
                self.conference_of(participant),
            )
        self.calls.leave(participant, kicked=kicked, at=when)
        return None

    def conference_of(self, record: Participant | Recording) -> Conference:
        conference = self._stores[record.account_sid].get(record.conference_sid)
        assert conference is not None, "a participant or recording outlived its conference"
        return conference

    def emit_participant(
        self, kind: str, participant: Participant, at: _dt.datetime, **data: object
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

    def emit_recording(self, kind: str, recording: Recording, at: _dt.datetime) -> None:
        self.events.emit(
            Event(
                kind,
                recording.account_sid,
                recording.conference_sid,
                at,
                MappingProxyType({"recording_sid": recording.sid, "recording": recording}),
            )
        )

    def announce(self, conference: Conference, url: str, method: str) -> None:
        """Play ``url`` into a live conference; it keeps running."""
        check_active(conference)
        now, _ = self.moment(None, conference.date_updated)
        self._stores[conference.account_sid].touch(conference, now)
        self._emit("conference-announce", conference, now, url=url, method=method)

    def list_conferences(
        self, account_sid: str, flt: ConferenceFilter, window: Window
    ) -> Page[Conference]:
        return self._stores[account_sid].page(flt, window)

    def _emit(self, kind: str, conference: Conference, at: _dt.datetime, **data: object) -> None:
        self.events.emit(
            Event(kind, conference.account_sid, conference.sid, at, MappingProxyType(data))
        )
