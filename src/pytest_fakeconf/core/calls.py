"""Call operations: a call is created, placed (rings, then is answered or fails), joins
conferences as a participant, is redirected to new TwiML, hangs up, is canceled or
deleted. Sources: ``../shared/reference/twilio-calls-and-twiml.md`` §1, §3.6, §4.

Each public method is one use-case (check, stamp, mutate, settle, in its own event
batch); the settling steps other operations need (:meth:`ring`, :meth:`answer`,
:meth:`finish`, :meth:`left_conference`) are methods too. The record, its store and
its pure rules are in :mod:`.call_store`.

Events of a call: ``call-initiated``, ``call-ringing``, ``call-answered``,
``call-machine-detected`` (AMD's result, §5), ``call-completed`` (any end: completed,
busy, no-answer, failed, canceled) and ``call-redirected``; ``Event.conference_sid``
is the call's conference or ``""``.

Time on the fake's clock (the scheduler; freezegun's ``tick`` or time-machine's
``shift`` past the moment makes it happen): a number's ``ring_for`` (a call rings that
long, then meets its outcome), a call's ``Timeout`` (it ends ``no-answer`` when its
number rings longer, §1.3, §1.5) and ``TimeLimit`` (an answered call ends ``completed``
at ``start_time`` + the limit, §1.5, §3.3). Nothing else takes clock time.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from . import errors
from .call_store import (
    API_TIMEOUT,
    DIAL_TIMEOUT,
    MAX_TIME_LIMIT,
    MAX_TIMEOUT,
    Amd,
    Call,
    CallFilter,
    NumberSetup,
    check_redirectable,
    check_twiml,
    detected,
)
from .clock import epoch_seconds
from .index import Page, Window
from .sids import is_sid
from .vocabulary import (
    ANSWERED_BY,
    CALL_CALLBACK_EVENTS,
    CALL_DIRECTIONS,
    CALL_OUTCOMES,
    MACHINE_DETECTIONS,
    AnsweredBy,
    CallCallbackEvent,
    CallDirection,
    CallOutcome,
    CallStatus,
    one_of,
)

if TYPE_CHECKING:
    from .backend import Backend
    from .schedule import Args as SavedArgs
    from .schedule import Scheduled


class Placed(NamedTuple):
    """An outbound API call: the live call, and a copy of it as created (``queued``),
    which is what Twilio's answer to the create shows (§1.4)."""

    call: Call
    created: Call


class Calls:
    """The call use-cases of one fake (every account's)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.outcomes: dict[str, NumberSetup] = {}
        # call SID -> its pending timers ("ring", "limit"), cancelled when it ends
        self._timers: dict[str, dict[str, Scheduled]] = {}
        # parent call SID -> the ``outbound-dial`` children it dialled
        self._children: dict[str, list[Call]] = {}
        register = backend.scheduler.register
        register("call-pick-up", self._pick_up_from, self._adopt_timer)
        register("call-expire", self._expire_from, self._adopt_timer)

    def set_call_outcome(
        self,
        number: str,
        outcome: CallOutcome,
        *,
        answered_by: AnsweredBy | None = None,
        ring_for: _dt.timedelta | None = None,
    ) -> None:
        """What happens when a call to ``number`` is placed (its ``To``): it rings for
        ``ring_for`` on the fake's clock (none: it is settled at once), then meets
        ``outcome``; machine detection reports ``answered_by`` (default ``human``)."""
        if not isinstance(number, str) or not number:
            raise TypeError(f"number must be a non-empty string, got {number!r}")
        chosen = one_of("outcome", outcome, CALL_OUTCOMES)
        who = None if answered_by is None else one_of("answered_by", answered_by, ANSWERED_BY)
        if who is not None and chosen != "answer":
            raise ValueError(f"answered_by needs outcome 'answer' (nobody answers {chosen!r})")
        if ring_for is None:
            ring_for = _dt.timedelta(0)
        if not isinstance(ring_for, _dt.timedelta):
            raise TypeError(f"ring_for must be a datetime.timedelta, got {ring_for!r}")
        if ring_for < _dt.timedelta(0):
            raise ValueError(f"ring_for must not be negative, got {ring_for}")
        self.outcomes[number] = NumberSetup(chosen, who, ring_for)

    def setup_for(self, call: Call) -> NumberSetup:
        """How the number ``call`` dials behaves (answered at once by default)."""
        return self.outcomes.get(call.to) or NumberSetup()

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
        timeout: int = API_TIMEOUT,
        time_limit: int | None = None,
        amd: Amd | None = None,
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
                timeout=timeout,
                time_limit=time_limit,
                amd=amd,
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
        timeout: int = API_TIMEOUT,
        time_limit: int | None = None,
        amd: Amd | None = None,
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
        if _check_seconds("timeout", timeout) > MAX_TIMEOUT:
            raise ValueError(f"timeout must be at most {MAX_TIMEOUT} seconds, got {timeout}")
        if time_limit is not None:
            _check_seconds("time_limit", time_limit)
        if amd is not None:
            one_of("machine detection", amd.mode, MACHINE_DETECTIONS)
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
            timeout=timeout,
            time_limit=time_limit,
            amd=amd,
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
        ends ``busy`` / ``no-answer`` / ``failed`` as its number is set up to: at once,
        or when the clock passes the number's ``ring_for`` (``no-answer`` at the call's
        ``timeout`` when it rings longer than that)."""
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, call.date_updated)
            if call.status != "queued":
                raise ValueError(f"call {call.sid} is {call.status}; only a queued call is placed")
            self.ring(call, now)
            self._ring_out(call, now)

    def dial(
        self,
        parent: Call,
        *,
        to: str,
        from_: str,
        timeout: int = DIAL_TIMEOUT,
        time_limit: int | None = None,
        status_callback: str | None = None,
        status_callback_method: str = "POST",
        status_callback_events: tuple[CallCallbackEvent, ...] = ("completed",),
        options: Mapping[str, str] | None = None,
    ) -> Call:
        """The child leg of ``<Dial><Number>``: a new ``outbound-dial`` call with
        ``parent_call_sid``, "initiated right away and never queued" (§1.3): it rings at
        once, then is answered or ends ``busy`` / ``no-answer`` / ``failed`` like
        :meth:`place` (``timeout``: ``<Dial timeout>``, default 30 s). ``time_limit``
        (``<Dial timeLimit>``) ends the answered child ``completed`` at its start + the
        limit. ``options`` may ask for machine detection with the REST names
        ``MachineDetection``, ``AmdStatusCallback``, ``AmdStatusCallbackMethod`` (§5:
        ``<Number>`` has no AsyncAmd). The child ends when its parent does."""
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, parent.date_updated)
            if parent.status != "in-progress":
                raise ValueError(
                    f"call {parent.sid} is {parent.status}; only a call in progress dials"
                )
            child = self.new(
                parent.account_sid,
                now,
                to=to,
                from_=from_,
                direction="outbound-dial",
                status_callback=status_callback,
                status_callback_method=status_callback_method,
                status_callback_events=status_callback_events,
                parent_call_sid=parent.sid,
                options=options,
                timeout=timeout,
                time_limit=time_limit,
                amd=amd_of(options or {}, asynchronous=False),
            )
            backend.call_store(child.account_sid).add(child)
            self._children.setdefault(parent.sid, []).append(child)
            backend.emit_call("call-initiated", child, now)
            self.ring(child, now)
            self._ring_out(child, now)
        return child

    def outcome_for(self, call: Call) -> CallOutcome:
        return self.setup_for(call).outcome

    def _ring_out(self, call: Call, at: _dt.datetime) -> None:
        """A ringing call meets its number's outcome after ``ring_for``, or ends
        ``no-answer`` at its ``timeout`` when the number rings longer than that (§1.3:
        "no-answer (after Timeout)"; exactly ``timeout`` still answers)."""
        setup = self.setup_for(call)
        timeout = _dt.timedelta(seconds=call.timeout)
        outcome: CallOutcome = setup.outcome
        ring = setup.ring_for
        if ring > timeout:
            ring, outcome = timeout, "no-answer"
        if not ring:
            self._pick_up(call, outcome, at)
            return
        self._schedule(
            call,
            "ring",
            at + ring,
            f"{outcome} {call.sid}",
            lambda m: self._pick_up(call, outcome, m),
            kind="call-pick-up",
            outcome=outcome,
        )

    def _pick_up(self, call: Call, outcome: CallOutcome, at: _dt.datetime) -> None:
        """The ringing call meets ``outcome`` (its ring timer is cancelled when it ends
        otherwise, so it still rings here)."""
        self._timers.get(call.sid, {}).pop("ring", None)
        if outcome == "answer":
            self.answer(call, at)
        else:
            self.finish(call, outcome, at)

    def _schedule(
        self,
        call: Call,
        slot: str,
        when: _dt.datetime,
        what: str,
        action: Callable[[_dt.datetime], None],
        *,
        kind: str,
        **args: str,
    ) -> None:
        timers = self._timers.setdefault(call.sid, {})
        old = timers.pop(slot, None)
        if old is not None:
            old.cancel()
        saved = {"account": call.account_sid, "call": call.sid, "slot": slot, **args}
        timers[slot] = self._backend.scheduler.at(when, what, action, kind=kind, args=saved)

    # -- timers rebuilt from data (``Scheduler.restore``) ---------------------------------
    def _pick_up_from(self, args: SavedArgs) -> Callable[[_dt.datetime], None] | None:
        # A row is acted on only while its call is as the timer left it (ringing, or
        # in progress): a store written by this fake never holds another, as a call's
        # end cancels its timers in the same flush; anything else is skipped as gone.
        call = self.get(args["account"], args["call"])
        if call is None or call.status != "ringing":
            return None
        outcome: CallOutcome = args["outcome"]
        return lambda m: self._pick_up(call, outcome, m)

    def _expire_from(self, args: SavedArgs) -> Callable[[_dt.datetime], None] | None:
        call = self.get(args["account"], args["call"])
        if call is None or call.status != "in-progress":
            return None
        return lambda m: self._expire(call, m)

    def _adopt_timer(self, timer: Scheduled, args: SavedArgs) -> None:
        self._timers.setdefault(args["call"], {})[args["slot"]] = timer

    def adopt_child(self, child: Call) -> None:
        """Remember a live ``<Dial>`` child loaded from a durable store, so that its
        parent's end still ends it."""
        assert child.parent_call_sid is not None
        self._children.setdefault(child.parent_call_sid, []).append(child)

    def _cancel_timers(self, call: Call) -> None:
        for timer in self._timers.pop(call.sid, {}).values():
            timer.cancel()

    # -- settling steps ---------------------------------------------------------------
    def ring(self, call: Call, at: _dt.datetime) -> None:
        """queued → ringing; emits ``call-ringing``."""
        self._backend.call_store(call.account_sid).set_status(call, "ringing", at)
        self._backend.emit_call("call-ringing", call, at)

    def answer(self, call: Call, at: _dt.datetime) -> None:
        """queued/ringing → in-progress from ``at``; emits ``call-answered``. With
        machine detection, ``answered_by`` is set first (the synchronous ``Url`` request
        carries it, §5) and ``call-machine-detected`` follows; with a time limit, the
        call's end is scheduled at ``at`` + the limit."""
        backend = self._backend
        backend.call_store(call.account_sid).set_status(call, "in-progress", at)
        call.start_time = at
        if call.amd is not None:
            call.answered_by = detected(call.amd.mode, self.setup_for(call).answered_by)
        backend.emit_call("call-answered", call, at)
        if call.amd is not None:
            # "MachineDetectionDuration" (ms): detection takes no time on the fake's
            # clock, so 0 (a GUESS, FIDELITY: F66). FIDELITY: F66
            backend.emit_call(
                "call-machine-detected", call, at, answered_by=call.answered_by, duration_ms=0
            )
        if call.time_limit is not None:
            self._limit_timer(call, at)

    def _limit_timer(self, call: Call, now: _dt.datetime) -> None:
        assert call.start_time is not None and call.time_limit is not None
        when = call.start_time + _dt.timedelta(seconds=min(call.time_limit, MAX_TIME_LIMIT))
        if when <= now:  # a new, shorter limit already passed (UpdateCall TimeLimit)
            self._expire(call, now)
            return
        self._schedule(
            call,
            "limit",
            when,
            f"time limit {call.sid}",
            lambda m: self._expire(call, m),
            kind="call-expire",
        )

    def _expire(self, call: Call, at: _dt.datetime) -> None:
        """The call reached its time limit: it hangs up (``completed``), leaving its
        conference (``participant_hung_up``) if it is in one. Only a call in progress
        has a limit timer (its end cancels it)."""
        self._timers.get(call.sid, {}).pop("limit", None)
        participant = self._backend.participant_of(call)
        if participant is not None:
            self._backend.participants.leave(participant, kicked=False, at=at)
        self.finish(call, "completed", at)

    def finish(self, call: Call, status: CallStatus, at: _dt.datetime) -> None:
        """The call ends ``status``; an answered call that completes gets its
        ``end_time`` (and so its duration). Emits ``call-completed``."""
        if not call.live:
            return
        self._cancel_timers(call)
        self._end_children(call, at)
        if status == "completed" and call.start_time is not None:
            call.end_time = at
        call.conference_sid = None
        self._backend.call_store(call.account_sid).set_status(call, status, at)
        self._backend.emit_call("call-completed", call, at)

    def _end_children(self, parent: Call, at: _dt.datetime) -> None:
        """The parent's live ``<Dial>`` children end: a ringing one ``canceled``, an
        answered one ``completed``."""
        for child in self._children.pop(parent.sid, ()):
            if child.live:
                self.finish(child, "completed" if child.status == "in-progress" else "canceled", at)

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
        (reason ``busy`` / ``rejected``; mapping UNVERIFIED, §1.3; FIDELITY: F61), no start/end
        time."""
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
            # §4: a <Dial><Number> child "closed … with status completed" first.
            self._end_children(call, now)
            call.url, call.method, call.twiml = url, method.upper(), twiml
            participant = backend.participant_of(call)
            if participant is not None:
                backend.participants.redirected(participant, now)
            call.date_updated = max(call.date_updated, now)
            backend.emit_call("call-redirected", call, now, url=url, method=method.upper())

    def end_children(self, parent: Call) -> None:
        """The ``<Dial>`` of ``parent`` is over (``hangupOnStar``, the dial's own end):
        its live children end now, ringing ones ``canceled``, answered ones ``completed``."""
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, parent.date_updated)
            self._end_children(parent, now)

    def limit(self, call: Call, seconds: int) -> None:
        """A (new) time limit (``TimeLimit``, §1.5, §1.8): the call ends ``completed``
        at ``start_time`` + ``seconds`` (now if that has passed); a call not yet
        answered keeps it for its answer. 21220 once the call ended."""
        _check_seconds("time_limit", seconds)
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, call.date_updated)
            if not call.live:
                raise errors.call_not_in_progress()
            call.time_limit = seconds
            if call.status == "in-progress":
                self._limit_timer(call, now)

    def update(
        self,
        call: Call,
        *,
        status: CallStatus | None = None,
        url: str | None = None,
        method: str = "POST",
        twiml: str | None = None,
        time_limit: int | None = None,
    ) -> None:
        """``POST …/Calls/{Sid}.json``: a redirect (``url`` or ``twiml``), a new
        ``time_limit``, then a ``status`` of ``completed`` (hang up) or ``canceled``."""
        with self._backend.events.batch():
            if url is not None or twiml is not None:
                self.redirect(call, url=url, method=method, twiml=twiml)
            if time_limit is not None:
                self.limit(call, time_limit)
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


def _check_seconds(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be whole seconds (an int), got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1 second, got {value}")
    return value


def amd_of(options: Mapping[str, str], *, asynchronous: bool) -> Amd | None:
    """The machine detection a create's parameters ask for (§5), or None: none asked,
    or ``SendDigits`` present ("AMD is ignored"). ``asynchronous``: the CreateCall
    names (``AsyncAmd``, ``AsyncAmdStatusCallback[Method]``); otherwise a
    Participants leg's or ``<Number>``'s (``AmdStatusCallback[Method]``)."""
    mode = options.get("MachineDetection")
    if not mode or options.get("SendDigits"):
        return None
    chosen = one_of("MachineDetection", mode, MACHINE_DETECTIONS)
    if asynchronous and options.get("AsyncAmd", "false").lower() == "true":
        return Amd(
            chosen,
            True,
            options.get("AsyncAmdStatusCallback") or None,
            (options.get("AsyncAmdStatusCallbackMethod") or "POST").upper(),
        )
    if asynchronous:
        return Amd(chosen)
    return Amd(
        chosen,
        False,
        options.get("AmdStatusCallback") or None,
        (options.get("AmdStatusCallbackMethod") or "POST").upper(),
    )
