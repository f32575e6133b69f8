"""Conference operations: create, end, start, announce, list.

Each public method is one use-case: it checks, stamps (the clock, through
``backend.moment``), mutates, settles, and holds the event listeners back in its
own batch until it is over. The record, its store and its pure rules are in
:mod:`.conference_store`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import TYPE_CHECKING

from .clock import as_utc, epoch_seconds
from .conference_store import (
    CONFERENCE_LIST_DEFAULTS,
    Conference,
    ConferenceFilter,
    ConferenceListDefault,
    check_active,
    check_end,
    check_friendly_name,
    ending_call,
)
from .index import Page, Window
from .schedule import Action, Args, Scheduled
from .sids import is_sid
from .vocabulary import (
    CONFERENCE_STATUSES,
    VIA_API,
    ConferenceStatus,
    EndReason,
    LeaveReason,
    Region,
    one_of,
)

if TYPE_CHECKING:
    from .backend import Backend
    from .participant_store import Participant

# ReasonParticipantLeft of the participants still there when a conference ends
# (FIDELITY: F14).
_LEFT_BECAUSE: dict[EndReason, LeaveReason] = {
    VIA_API: "conference_ended_via_api",
    "participant-with-end-conference-on-exit-left": "moderator_ended_conference",
    "participant-with-end-conference-on-exit-kicked": "moderator_ended_conference",
}


class Conferences:
    """The conference use-cases of one fake (every account's)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._list_default: ConferenceListDefault = "in-progress"
        backend.scheduler.register("conference-end", self._end_from)

    @property
    def list_default(self) -> ConferenceListDefault:
        """What a list without ``Status`` returns: ``in-progress`` ones, or ``all``."""
        return self._list_default

    @list_default.setter
    def list_default(self, value: ConferenceListDefault) -> None:
        self._list_default = one_of("conference_list_default", value, CONFERENCE_LIST_DEFAULTS)

    # -- creating ---------------------------------------------------------------
    def create(
        self,
        account_sid: str,
        friendly_name: str | None = None,
        *,
        status: ConferenceStatus = "in-progress",
        region: Region = "us1",
        date_created: _dt.datetime | None = None,
        sid: str | None = None,
    ) -> Conference:
        """A new conference. One born ``completed`` ended the commonest way:
        the last participant hung up (tests wanting another reason create it
        active and end it, or use :meth:`create_ended`)."""
        one_of("status", status, CONFERENCE_STATUSES)
        if status == "completed":
            return self.create_ended(
                account_sid, friendly_name, region=region, date_created=date_created, sid=sid
            )
        with self._backend.events.batch():
            conference = self._new(account_sid, friendly_name, status, region, date_created, sid)
            self._backend.conference_store(account_sid).add(conference)
            self._backend.emit_conference("conference-create", conference, conference.date_created)
        return conference

    def create_ended(
        self,
        account_sid: str,
        friendly_name: str | None = None,
        *,
        region: Region = "us1",
        date_created: _dt.datetime | None = None,
        sid: str | None = None,
        reason: EndReason = "last-participant-left",
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
        self._backend.conference_store(account_sid).add(conference)
        return conference

    def _new(
        self,
        account_sid: str,
        friendly_name: str | None,
        status: ConferenceStatus,
        region: Region,
        date_created: _dt.datetime | None,
        sid: str | None,
    ) -> Conference:
        backend = self._backend
        if sid is not None and not is_sid(sid, "CF"):
            raise ValueError(f"sid must be 'CF' + 32 hex digits, got {sid!r}")
        if friendly_name is not None:
            check_friendly_name(friendly_name)
        now, _ = backend.moment(None)
        created = now if date_created is None else as_utc(date_created, "date_created")
        sid = sid if sid is not None else backend.sids.sid("CF")
        return Conference(
            account_sid=account_sid,
            sid=sid,
            friendly_name=friendly_name if friendly_name is not None else f"room-{sid[-8:]}",
            region=region,
            status=status,
            date_created=created,
            date_updated=created,
            key=(epoch_seconds(created), backend.next_seq()),
        )

    def _call_sid(self) -> str:
        return self._backend.sids.sid("CA")

    # -- changing -----------------------------------------------------------------
    def update(
        self,
        conference: Conference,
        *,
        status: ConferenceStatus | None = None,
        announce_url: str | None = None,
        announce_method: str = "POST",
    ) -> None:
        """``POST …/Conferences/{Sid}.json``: announce, then end (``status="completed"``)."""
        with self._backend.events.batch():
            if announce_url is not None:
                self.announce(conference, announce_url, announce_method)
            if status == "completed":
                self.end(conference)

    def announce(self, conference: Conference, url: str, method: str = "POST") -> None:
        """Play ``url`` into a live conference; it keeps running."""
        backend = self._backend
        with backend.events.batch():
            check_active(conference)
            now, _ = backend.moment(None, conference.date_updated)
            backend.conference_store(conference.account_sid).touch(conference, now)
            backend.emit_conference("conference-announce", conference, now, url=url, method=method)

    def end(
        self,
        conference: Conference,
        reason: EndReason = VIA_API,
        call_sid: str | None = None,
        *,
        at: _dt.datetime | None = None,
    ) -> Scheduled | None:
        """End ``conference`` for ``reason`` now, back-dated, or later.

        The four participant reasons name a call (``call_sid`` or a generated
        one). A future ``at`` schedules the end (returned); it happens when
        the clock passes that moment.
        """
        backend = self._backend
        with backend.events.batch():
            check_end(reason, call_sid)
            when, later = backend.moment(at, conference.date_updated)
            check_active(conference)
            ending_sid = ending_call(reason, call_sid, self._call_sid)
            if later:
                return backend.scheduler.at(
                    when,
                    f"end {conference.sid} ({reason})",
                    lambda moment: self._end(conference, reason, ending_sid, moment),
                    conference,
                    kind="conference-end",
                    args={
                        "account": conference.account_sid,
                        "conference": conference.sid,
                        "reason": reason,
                        "call": ending_sid,
                    },
                )
            self._end(conference, reason, ending_sid, when)
            return None

    def _end_from(self, args: Args) -> Action | None:
        """A scheduled end rebuilt from its arguments (see ``Scheduler.restore``)."""
        store = self._backend.conference_store(args["account"])
        conference = store.get(args["conference"])
        if conference is None:
            return None
        reason, call_sid = args["reason"], args["call"]
        return lambda moment: self._end(conference, reason, call_sid, moment)

    def _end(
        self, conference: Conference, reason: EndReason, call_sid: str | None, at: _dt.datetime
    ) -> None:
        ending = None
        if call_sid is not None and conference.participants is not None:
            ending = conference.participants.find(call_sid)
        self.finish(conference, reason, ending, at, call_sid=call_sid)

    def finish(
        self,
        conference: Conference,
        reason: EndReason,
        ending: Participant | None,
        at: _dt.datetime,
        *,
        call_sid: str | None = None,
    ) -> None:
        """The settling step of every end: remaining participants leave, the
        recording completes, then the conference is ``completed`` and
        ``conference-end`` is its last event."""
        backend = self._backend
        check_active(conference)
        if ending is not None:
            call_sid = ending.call_sid
        at = max(at, conference.date_updated)
        if conference.participants is not None:
            because = _LEFT_BECAUSE.get(reason, "conference_ended_via_api")
            for participant in conference.participants.live():
                backend.participants.disconnect(participant, at, because)
        backend.recordings.finish(conference, at)
        backend.conference_store(conference.account_sid).end(conference, reason, call_sid, at)
        backend.emit_conference(
            "conference-end",
            conference,
            conference.date_updated,
            reason_conference_ended=reason,
            call_sid_ending_conference=call_sid,
            participant_label_ending_conference=ending.label if ending is not None else None,
        )

    def discard(self, conference: Conference) -> None:
        """Settling of a failed first dial: the conference, created provisionally for
        it, never existed (Twilio: "The Conference is created when the first participant
        connects"; FIDELITY: F30). No ``conference-end``; its SID answers 404."""
        self._backend.conference_store(conference.account_sid).discard(conference)

    def start_if_ready(
        self, conference: Conference, at: _dt.datetime, joined: Participant | None = None
    ) -> None:
        """Settling after ``joined`` joined: ``init`` → ``in-progress`` once two are
        connected and one starts it (and the recording starts, if the conference
        records, naming ``joined``'s call: FIDELITY F21)."""
        if conference.status != "init" or conference.participants is None:
            return
        connected = conference.participants.connected()
        if len(connected) < 2 or not any(p.start_conference_on_enter for p in connected):
            return
        backend = self._backend
        store = backend.conference_store(conference.account_sid)
        store.set_status(conference, "in-progress")
        store.touch(conference, at)
        backend.emit_conference("conference-start", conference, at)
        if conference.settings is not None and conference.settings.record:
            backend.recordings.start(conference, at, None if joined is None else joined.call_sid)

    # -- reading --------------------------------------------------------------------
    def list(self, account_sid: str, flt: ConferenceFilter, window: Window) -> Page[Conference]:
        """A page of the account's conferences; ``flt.status`` None means the list's
        default (:attr:`list_default`: FIDELITY F01; ``init`` is not in ``in-progress``:
        FIDELITY F02)."""
        if flt.status is None and self._list_default != "all":
            flt = dataclasses.replace(flt, status=self._list_default)
        return self._backend.conference_store(account_sid).page(flt, window)
