"""Call operations: a call is created, placed (rings, then is answered or fails), joins
conferences as a participant, is redirected to new TwiML, hangs up, is canceled or
deleted. Sources: ``../shared/reference/twilio-calls-and-twiml.md`` §1, §3.6, §4.

Each public method is one use-case (check, stamp, mutate, settle, in its own event
batch); the settling steps other operations need (:meth:`ring`, :meth:`answer`,
:meth:`finish`, :meth:`left_conference`) are methods too. The record, its store and
its pure rules are in :mod:`.call_store`.

Events of a call: ``call-initiated``, ``call-ringing``, ``call-answered``,
``call-completed`` (any end: completed, busy, no-answer, failed, canceled) and
``call-redirected``; ``Event.conference_sid`` is the call's conference or ``""``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from . import errors
from .call_store import Call, CallFilter, check_redirectable, check_twiml
from .clock import epoch_seconds
from .index import Page, Window
from .sids import is_sid
from .vocabulary import (
    CALL_CALLBACK_EVENTS,
    CALL_DIRECTIONS,
    CALL_OUTCOMES,
    CallCallbackEvent,
    CallDirection,
    CallOutcome,
    CallStatus,
    one_of,
)

if TYPE_CHECKING:
    from .backend import Backend


class Placed(NamedTuple):
    """An outbound API call: the live call, and a copy of it as created (``queued``),
    which is what Twilio's answer to the create shows (§1.4)."""

    call: Call
    created: Call


class Calls:
    """The call use-cases of one fake (every account's)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.outcomes: dict[str, CallOutcome] = {}

    def set_call_outcome(self, number: str, outcome: CallOutcome) -> None:
        """What happens when a call to ``number`` is placed (its ``To``)."""
        self.outcomes[number] = one_of("outcome", outcome, CALL_OUTCOMES)

    # -- creating -----------------------------------------------------------------
    def create(
        self,
        account_sid: str,
        *,
        to: str,
        from_: str,
        direction: CallDirection,
        url: str | None = None,
        method: str = "POST",
        twiml: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str = "POST",
        status_callback_events: tuple[CallCallbackEvent, ...] = ("completed",),
        parent_call_sid: str | None = None,
        options: Mapping[str, str] | None = None,
        sid: str | None = None,
    ) -> Call:
        """A new call, ``queued`` (an ``inbound`` one ``ringing``: it reached Twilio
        ringing, §2.1); emits ``call-initiated`` (not for inbound calls)."""
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None)
            call = self.new(
                account_sid,
                now,
                to=to,
                from_=from_,
                direction=direction,
                url=url,
                method=method,
                twiml=twiml,
                status_callback=status_callback,
                status_callback_method=status_callback_method,
                status_callback_events=status_callback_events,
                parent_call_sid=parent_call_sid,
                options=options,
                sid=sid,
            )
            if direction == "inbound":
                call.status = "ringing"
                backend.call_store(account_sid).add(call)
            else:
                backend.call_store(account_sid).add(call)
                backend.emit_call("call-initiated", call, now)
        return call

    def new(
        self,
        account_sid: str,
        at: _dt.datetime,
        *,
        to: str,
        from_: str,
        direction: CallDirection,
        url: str | None = None,
        method: str = "POST",
        twiml: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str = "POST",
        status_callback_events: tuple[CallCallbackEvent, ...] = ("completed",),
        parent_call_sid: str | None = None,
        options: Mapping[str, str] | None = None,
        sid: str | None = None,
    ) -> Call:
        """A checked ``queued`` call record, not yet stored (a step of :meth:`create`
        and of a participant join)."""
        one_of("direction", direction, CALL_DIRECTIONS)
        for event in status_callback_events:
            one_of("status_callback_events", event, CALL_CALLBACK_EVENTS)
        if twiml is not None:
            check_twiml(twiml)
        if sid is not None and not is_sid(sid, "CA"):
            raise ValueError(f"sid must be 'CA' + 32 hex digits, got {sid!r}")
        if parent_call_sid is not None and not is_sid(parent_call_sid, "CA"):
            raise ValueError(f"parent_call_sid must be a call SID, got {parent_call_sid!r}")
        backend = self._backend
        if sid is not None and backend.call_store(account_sid).get(sid) is not None:
            raise ValueError(f"call {sid} already exists")
        return Call(
            account_sid=account_sid,
            sid=sid if sid is not None else backend.sids.sid("CA"),
            key=(epoch_seconds(at), backend.next_seq()),
            date_created=at,
            date_updated=at,
            direction=direction,
            from_=from_,
            to=to,
            parent_call_sid=parent_call_sid,
            url=url,
            method=method.upper(),
            twiml=twiml,
            status_callback=status_callback,
            status_callback_method=status_callback_method.upper(),
            status_callback_events=status_callback_events,
            options=dict(options or {}),
        )

    def receive(
        self, account_sid: str, *, to: str, from_: str, url: str, method: str = "POST"
    ) -> Call:
        """An ``inbound`` call to ``to`` whose voice URL is ``url``: it arrives ``ringing``
        (the first voice request says ``CallStatus=ringing``, §1.3) and is answered at
        once (``call-answered``: the TwiML runner takes it from there)."""
        backend = self._backend
        with backend.events.batch():
            call = self.create(
                account_sid, to=to, from_=from_, direction="inbound", url=url, method=method
            )
            self.answer(call, call.date_created)
        return call

    def originate(self, account_sid: str, **create: Any) -> Placed:
        """``POST …/Calls.json``: :meth:`create` an ``outbound-api`` call and
        :meth:`place` it, in one operation."""
        with self._backend.events.batch():
            call = self.create(account_sid, direction="outbound-api", **create)
            created = dataclasses.replace(call, options=dict(call.options))
            self.place(call)
        return Placed(call, created)

    def place(self, call: Call) -> None:
        """A queued call rings, then is answered (``in-progress``, ``start_time``) or
        ends ``busy`` / ``no-answer`` / ``failed`` as its number is set up to."""
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, call.date_updated)
            if call.status != "queued":
                raise ValueError(f"call {call.sid} is {call.status}; only a queued call is placed")
            outcome = self.outcome_for(call)
            self.ring(call, now)
            if outcome == "answer":
                self.answer(call, now)
            else:
                self.finish(call, outcome, now)

    def outcome_for(self, call: Call) -> CallOutcome:
        return self.outcomes.get(call.to, "answer")

    # -- settling steps ---------------------------------------------------------------
    def ring(self, call: Call, at: _dt.datetime) -> None:
        """queued → ringing; emits ``call-ringing``."""
        self._backend.call_store(call.account_sid).set_status(call, "ringing", at)
        self._backend.emit_call("call-ringing", call, at)

    def answer(self, call: Call, at: _dt.datetime) -> None:
        """queued/ringing → in-progress from ``at``; emits ``call-answered``."""
        self._backend.call_store(call.account_sid).set_status(call, "in-progress", at)
        call.start_time = at
        self._backend.emit_call("call-answered", call, at)

    def finish(self, call: Call, status: CallStatus, at: _dt.datetime) -> None:
        """The call ends ``status``; an answered call that completes gets its
        ``end_time`` (and so its duration). Emits ``call-completed``."""
        if not call.live:
            return
        if status == "completed" and call.start_time is not None:
            call.end_time = at
        call.conference_sid = None
        self._backend.call_store(call.account_sid).set_status(call, status, at)
        self._backend.emit_call("call-completed", call, at)

    def left_conference(self, call: Call, at: _dt.datetime, *, hung_up: bool) -> None:
        """Settling of a participant leaving: the call is no longer in a conference; it
        completes if it hung up or has no TwiML to go on with (a REST participant leg,
        §3.6 "UNVERIFIED: … presumably hangs up")."""
        call.conference_sid = None
        call.date_updated = max(call.date_updated, at)
        if hung_up or not call.twiml_driven:
            self.finish(call, "completed" if call.status == "in-progress" else "canceled", at)

    # -- changing -----------------------------------------------------------------------
    def hang_up(self, call: Call) -> None:
        """The call ends ``completed`` now (``Status=completed``; a queued or ringing call
        ends ``canceled``, UNVERIFIED §1.8). In a conference, its participant leaves
        (``participant_hung_up``) and the conference's rules apply. 21220 once ended."""
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, call.date_updated)
            if not call.live:
                raise errors.call_not_in_progress()
            participant = backend.participant_of(call)
            if participant is not None:
                backend.participants.leave(participant, kicked=False)
            self.finish(call, "completed" if call.status == "in-progress" else "canceled", now)

    def reject(self, call: Call, status: CallStatus) -> None:
        """``<Reject>``: the call ends unanswered and unbilled, ``busy`` or ``no-answer``
        (reason ``busy`` / ``rejected``; mapping UNVERIFIED, §1.3), no start/end time."""
        one_of("status", status, ("busy", "no-answer"))
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, call.date_updated)
            if not call.live:
                raise errors.call_not_in_progress()
            participant = backend.participant_of(call)
            if participant is not None:
                backend.participants.leave(participant, kicked=True)
            if call.live:
                call.start_time = None
                self.finish(call, status, now)

    def cancel(self, call: Call) -> None:
        """``Status=canceled``: a queued or ringing call ends ``canceled``; an
        in-progress call is not affected (§1.8); an ended one is 21220 (UNVERIFIED)."""
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, call.date_updated)
            if not call.live:
                raise errors.call_not_in_progress()
            if call.status == "in-progress":
                return
            self.finish(call, "canceled", now)

    def redirect(
        self, call: Call, *, url: str | None = None, method: str = "POST", twiml: str | None = None
    ) -> None:
        """New instructions for a call in progress (21220 otherwise): in a conference
        its participant leaves (``participant_updated_via_api``, §4, UNVERIFIED) and
        the call goes on with the new TwiML; emits ``call-redirected``."""
        if (url is None) == (twiml is None):
            raise errors.url_and_twiml_exclusive()
        if twiml is not None:
            check_twiml(twiml)
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, call.date_updated)
            check_redirectable(call)
            call.url, call.method, call.twiml = url, method.upper(), twiml
            participant = backend.participant_of(call)
            if participant is not None:
                backend.participants.redirected(participant, now)
            call.date_updated = max(call.date_updated, now)
            backend.emit_call("call-redirected", call, now, url=url, method=method.upper())

    def update(
        self,
        call: Call,
        *,
        status: CallStatus | None = None,
        url: str | None = None,
        method: str = "POST",
        twiml: str | None = None,
    ) -> None:
        """``POST …/Calls/{Sid}.json``: a redirect (``url`` or ``twiml``), then a
        ``status`` of ``completed`` (hang up) or ``canceled``."""
        with self._backend.events.batch():
            if url is not None or twiml is not None:
                self.redirect(call, url=url, method=method, twiml=twiml)
            if status == "completed":
                self.hang_up(call)
            elif status == "canceled":
                self.cancel(call)
            elif status is not None:
                raise ValueError(f"status must be completed or canceled, got {status!r}")

    def delete(self, call: Call) -> None:
        """``DELETE …/Calls/{Sid}.json``: an ended call leaves the list and fetch."""
        backend = self._backend
        with backend.events.batch():
            if call.live:
                raise errors.call_in_progress_cannot_delete(call.sid)
            backend.call_store(call.account_sid).remove(call)

    # -- reading --------------------------------------------------------------------------
    def get(self, account_sid: str, sid: str) -> Call | None:
        return self._backend.call_store(account_sid).get(sid)

    def list(self, account_sid: str, flt: CallFilter, window: Window) -> Page[Call]:
        return self._backend.call_store(account_sid).page(flt, window)
