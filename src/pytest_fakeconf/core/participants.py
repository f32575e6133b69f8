"""Participant operations: calls that join, change, and leave a conference.

The rules (``shared/reference/twilio-conference-api.md`` §5.1, §5.3, §5.4):

* a dialled participant is ``queued``; the call is then answered (by default at
  once) and ``connected``, or fails (busy, no answer, failed) and is gone;
* a conference starts (``init`` → ``in-progress``) once two participants are
  connected and one of them has ``start_conference_on_enter``;
* it ends when a participant with ``end_conference_on_exit`` leaves or is
  kicked, or when the last participant leaves or is kicked, naming that call;
* only live participants exist: whoever leaves is removed.

Each public method is one use-case (check, stamp, mutate, settle, in its own
event batch); the record, its store and the label rules are in
:mod:`.participant_store`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import TYPE_CHECKING, NamedTuple

from . import errors
from .calls import amd_of
from .conference_store import Conference
from .participant_store import (
    MODIFY_OPTIONS,
    Change,
    Dial,
    Participant,
    ParticipantStore,
    check_label,
)
from .schedule import Action, Args, Scheduled
from .sids import is_sid
from .vocabulary import (
    CallStatus,
    EndReason,
    LeaveReason,
    ParticipantStatus,
)

if TYPE_CHECKING:
    from .backend import Backend
    from .call_store import Call


class Joined(NamedTuple):
    """A join: the live participant, and a copy of it as dialled (``queued``), which
    is what Twilio's answer to a create shows."""

    participant: Participant
    dialled: Participant


class Participants:
    """The participant use-cases of one fake."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        register = backend.scheduler.register
        register("participant-speak", self._speak_from)
        register("participant-speech-stop", self._stop_speaking_from)
        register("participant-leave", self._leave_from)

    # -- scheduled actions rebuilt from data (``Scheduler.restore``) ---------------
    def _scheduled_for(self, args: Args) -> Participant | None:
        conference = self._backend.conference_store(args["account"]).get(args["conference"])
        store = conference.participants if conference is not None else None
        return store.find(args["call"]) if store is not None else None

    def _speak_from(self, args: Args) -> Action | None:
        participant = self._scheduled_for(args)
        if participant is None:
            return None
        duration = _dt.timedelta(seconds=args["seconds"])

        def start(moment: _dt.datetime) -> None:
            self._speak(participant, moment, duration)

        return start

    def _stop_speaking_from(self, args: Args) -> Action | None:
        participant = self._scheduled_for(args)
        if participant is None:
            return None
        return lambda moment: self._stop_speaking(participant, moment)

    def _leave_from(self, args: Args) -> Action | None:
        participant = self._scheduled_for(args)
        if participant is None:
            return None
        kicked = bool(args["kicked"])
        return lambda moment: self._leave(participant, kicked, moment)

    @staticmethod
    def _args(participant: Participant, **more: object) -> dict[str, object]:
        """What a scheduled participant action saves: whom it acts on, and ``more``."""
        p = participant
        return {
            "account": p.account_sid,
            "conference": p.conference_sid,
            "call": p.call_sid,
            **more,
        }

    # -- joining ------------------------------------------------------------
    def join(self, account_sid: str, conference: Conference | str, dial: Dial) -> Joined:
        """A call joins ``conference`` (a record, or the friendly name of the active
        conference to join, started ``init`` in ``dial.region`` when there is none).

        ``dial.call_sid`` naming a live call of the account makes that call a
        participant (``<Dial><Conference>``: an inbound call is answered, an
        answered one joins at once). Otherwise a new ``outbound-api`` call (a
        Participants API leg, §1.3: direction UNVERIFIED) is created with that SID
        (or a new one) and dialled now, then answered (or failed) as its number is
        set up to (:meth:`Calls.set_call_outcome <.calls.Calls.set_call_outcome>`)."""
        backend = self._backend
        with backend.events.batch():
            if isinstance(conference, str):
                name: str | None = conference
                target = backend.conference_store(account_sid).active_named(conference)
            else:
                name, target = None, conference
            call = None
            if dial.call_sid is not None:
                call = backend.call_store(account_sid).get(dial.call_sid)
            self.check_join(target, dial, call)  # everything is checked before anything changes
            if target is None:
                assert name is not None
                target = backend.conferences.create(
                    account_sid, name, status="init", region=dial.region or "us1"
                )
                # Twilio: "The Conference is created when the first participant connects"
                # (FIDELITY: F30): until then the fake holds it provisionally.
                target.provisional = True
            now, _ = backend.moment(None, target.date_updated)
            participant = self._dial(target, dial, call, now)
            dialled = dataclasses.replace(participant, options=dict(participant.options))
            self.settle(participant, now)
        return Joined(participant, dialled)

    def check_join(
        self, conference: Conference | None, dial: Dial, call: Call | None = None
    ) -> None:
        """Raise Twilio's error if ``dial`` (the existing ``call``, if it names one)
        cannot join ``conference`` (None: a new one)."""
        if conference is not None and not conference.active:
            raise errors.conference_not_found_or_completed()
        if call is not None and not call.live:
            raise ValueError(f"call {call.sid} is {call.status}; it cannot join a conference")
        if call is not None and call.conference_sid is not None:
            raise ValueError(f"call {call.sid} is already in conference {call.conference_sid}")
        if dial.label is not None:
            check_label(dial.label)
        if dial.call_sid is not None and not is_sid(dial.call_sid, "CA"):
            raise ValueError(f"call_sid must be 'CA' + 32 hex digits, got {dial.call_sid!r}")
        store = conference.participants if conference is not None else None
        if dial.coaching and dial.call_sid_to_coach is None:
            raise errors.coaching_requires_target()
        if dial.call_sid_to_coach is not None and (
            store is None or not store.has_call(dial.call_sid_to_coach)
        ):
            raise errors.coach_target_missing()
        if store is None or conference is None:
            return
        if dial.label is not None:
            store.check_label_free(dial.label)
        limit = (conference.settings or dial.settings).max_participants
        if len(store) >= limit:
            raise errors.conference_full()

    def _dial(
        self, conference: Conference, dial: Dial, call: Call | None, at: _dt.datetime
    ) -> Participant:
        """Add a ``queued`` participant (already checked with :meth:`check_join`): the
        existing ``call``, or a new call it dials (``call-initiated``)."""
        backend = self._backend
        new_call = call is None
        if call is None:
            options = dial.options
            call = backend.calls.new(
                conference.account_sid,
                at,
                to=dial.to,
                from_=dial.from_,
                direction="outbound-api",
                status_callback=options.get("StatusCallback") or None,
                status_callback_method=options.get("StatusCallbackMethod") or "POST",
                status_callback_events=tuple(
                    e  # type: ignore[misc]
                    for e in options.get("StatusCallbackEvent", "completed").split()
                ),
                sid=dial.call_sid,
                # MachineDetection / AmdStatusCallback of CreateParticipant (calls ref §5)
                amd=amd_of(options, asynchronous=False),
            )
            backend.call_store(conference.account_sid).add(call)
        if conference.settings is None:
            conference.settings = dial.settings
        if dial.region is not None and not conference.settings.region_chosen:
            # "Twilio sets the region parameter from the first participant that
            # specifies the parameter and will ignore the parameter from
            # subsequent participants." (TwiML <Conference> docs)
            conference.settings.region_chosen = True
            conference.region = dial.region
        if conference.participants is None:
            conference.participants = ParticipantStore()
        participant = Participant(
            account_sid=conference.account_sid,
            conference_sid=conference.sid,
            call_sid=call.sid,
            cp_sid=backend.sids.sid("CP"),
            key=(int(at.timestamp()), backend.next_seq()),
            date_created=at,
            date_updated=at,
            label=dial.label,
            muted=dial.muted,
            hold=dial.hold,
            coaching=dial.coaching,
            call_sid_to_coach=dial.call_sid_to_coach,
            start_conference_on_enter=dial.start_conference_on_enter,
            end_conference_on_exit=dial.end_conference_on_exit,
            from_=dial.from_,
            to=dial.to,
            options=dict(dial.options),
        )
        conference.participants.add(participant)
        call.conference_sid = conference.sid
        if new_call:
            backend.emit_call("call-initiated", call, at)
        return participant

    def settle(self, participant: Participant, at: _dt.datetime) -> None:
        """Connect a queued participant: its call is answered (a new call rings first,
        and is answered or fails as its number is set up to)."""
        backend = self._backend
        conference = backend.conference_of(participant)
        call = backend.call_of(participant)
        if call.status == "queued":
            outcome = backend.calls.outcome_for(call)
            backend.calls.ring(call, at)
            if outcome != "answer":
                self._drop(participant, at, "failed", outcome, "participant_add_failed")
                backend.calls.finish(call, outcome, at)
                if conference.status == "init" and not conference.participants:
                    if conference.provisional:
                        # Nobody ever connected: there never was a conference (F30).
                        backend.conferences.discard(conference)
                    else:
                        # A conference a test set up ``init`` ends with that call
                        # (FIDELITY: F31); one set up in progress is left alone.
                        backend.conferences.finish(
                            conference, "last-participant-left", participant, at
                        )
                return
        participant.status = "connected"
        participant.date_updated = max(participant.date_updated, at)
        if call.status != "in-progress":
            backend.calls.answer(call, at)
        conference.provisional = False
        backend.emit_participant("participant-join", participant, at)
        backend.conferences.start_if_ready(conference, at, participant)

    # -- changing -----------------------------------------------------------
    def update(self, participant: Participant, change: Change) -> None:
        """Change a live participant now: 16028 unless a coach's target is present;
        the changes are reported as events."""
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, participant.date_updated)
            if not participant.live:
                raise errors.participant_gone(participant.call_sid)
            self.check_change(participant, change)
            self._change(participant, change, now)

    def check_change(self, participant: Participant, change: Change) -> None:
        """16028 unless a coach's target (new or kept) is present in the conference."""
        target = change.call_sid_to_coach or participant.call_sid_to_coach
        if change.coaching is True and target is None:
            raise errors.coaching_requires_target()
        if change.call_sid_to_coach is not None or change.coaching is True:
            store = self._backend.conference_of(participant).participants
            if target is None or store is None or not store.has_call(target):
                raise errors.coach_target_missing()

    def _change(self, participant: Participant, change: Change, at: _dt.datetime) -> None:
        """Apply a checked update and report what changed as events."""
        emit = self._backend.emit_participant
        changed = False
        if change.muted is not None and change.muted != participant.muted:
            participant.muted = change.muted
            emit("participant-mute" if change.muted else "participant-unmute", participant, at)
            changed = True
        if change.hold is not None and change.hold != participant.hold:
            participant.hold = change.hold
            emit("participant-hold" if change.hold else "participant-unhold", participant, at)
            changed = True
        modified = False
        if change.coaching is not None and change.coaching != participant.coaching:
            participant.coaching = change.coaching
            modified = True
        if change.call_sid_to_coach is not None:
            # not one of the four attributes participant-modify reports (§4.1)
            changed |= change.call_sid_to_coach != participant.call_sid_to_coach
            participant.call_sid_to_coach = change.call_sid_to_coach
        if (
            change.end_conference_on_exit is not None
            and change.end_conference_on_exit != participant.end_conference_on_exit
        ):
            participant.end_conference_on_exit = change.end_conference_on_exit
            modified = True
        for key, value in change.options.items():
            if participant.options.get(key) != value:
                modified |= key in MODIFY_OPTIONS
                participant.options[key] = value
                changed = True
        if modified:
            emit("participant-modify", participant, at)
        if change.announce_url is not None:
            url, method = change.announce_url, change.announce_method
            emit("participant-announce", participant, at, url=url, method=method)
        if changed or modified or change.announce_url is not None:
            participant.date_updated = max(participant.date_updated, at)

    # -- speaking -----------------------------------------------------------
    def speak(
        self,
        participant: Participant,
        *,
        duration: _dt.timedelta,
        at: _dt.datetime | None = None,
    ) -> Scheduled:
        """The participant starts speaking (``participant-speech-start``) now, back-dated,
        or at a future ``at`` (scheduled), and stops ``duration`` later
        (``participant-speech-stop``, scheduled). Returns the first pending step: the
        start if it is in the future, else the stop. A step whose participant has left
        by then is skipped (no event; FIDELITY: F68)."""
        if not isinstance(duration, _dt.timedelta) or duration <= _dt.timedelta(0):
            raise ValueError(f"duration must be a positive timedelta, got {duration!r}")
        backend = self._backend
        with backend.events.batch():
            when, later = backend.moment(at, participant.date_updated)
            if not participant.live:
                raise errors.participant_gone(participant.call_sid)
            if later:

                def start(moment: _dt.datetime) -> None:
                    self._speak(participant, moment, duration)

                return backend.scheduler.at(
                    when,
                    f"speak {participant.call_sid}",
                    start,
                    backend.conference_of(participant),
                    kind="participant-speak",
                    args=self._args(participant, seconds=duration.total_seconds()),
                )
            return self._speak(participant, when, duration)

    def _speak(
        self, participant: Participant, at: _dt.datetime, duration: _dt.timedelta
    ) -> Scheduled:
        if not participant.live:
            raise errors.participant_gone(participant.call_sid)
        backend = self._backend
        backend.emit_participant("participant-speech-start", participant, at)
        return backend.scheduler.at(
            at + duration,
            f"stop speaking {participant.call_sid}",
            lambda moment: self._stop_speaking(participant, moment),
            backend.conference_of(participant),
            kind="participant-speech-stop",
            args=self._args(participant),
        )

    def _stop_speaking(self, participant: Participant, at: _dt.datetime) -> None:
        if not participant.live:
            raise errors.participant_gone(participant.call_sid)
        self._backend.emit_participant("participant-speech-stop", participant, at)

    # -- leaving ------------------------------------------------------------
    def leave(
        self, participant: Participant, *, kicked: bool, at: _dt.datetime | None = None
    ) -> Scheduled | None:
        """The call hangs up (``kicked=False``) or is removed over the API (a kick):
        now, back-dated, or at a future ``at`` (scheduled, returned)."""
        backend = self._backend
        with backend.events.batch():
            when, later = backend.moment(at, participant.date_updated)
            if not participant.live:
                raise errors.participant_gone(participant.call_sid)
            if later:
                return backend.scheduler.at(
                    when,
                    f"{'kick' if kicked else 'leave'} {participant.call_sid}",
                    lambda moment: self._leave(participant, kicked, moment),
                    backend.conference_of(participant),
                    kind="participant-leave",
                    args=self._args(participant, kicked=kicked),
                )
            self._leave(participant, kicked, when)
            return None

    def redirected(self, participant: Participant, at: _dt.datetime) -> None:
        """Settling of a call redirect (§4): the participant leaves as if kicked
        (``participant_updated_via_api``, UNVERIFIED); its ``participant-leave`` says
        ``redirected=True`` (the old ``<Dial>`` action's TwiML is not run)."""
        self._leave(participant, True, at, redirected=True)

    def _leave(
        self, participant: Participant, kicked: bool, at: _dt.datetime, *, redirected: bool = False
    ) -> None:
        if not participant.live:
            raise errors.participant_gone(participant.call_sid)
        backend = self._backend
        conference = backend.conference_of(participant)
        # A kick is participant_updated_via_api (FIDELITY: F12); the conference it ends
        # names the kicked call (FIDELITY: F15).
        because: LeaveReason = "participant_updated_via_api" if kicked else "participant_hung_up"
        extra = {"redirected": True} if redirected else {}
        self._drop(participant, at, "complete", "completed", because, **extra)
        # A kicked TwiML-driven call goes on with its TwiML (§3.6; FIDELITY: F60).
        backend.calls.left_conference(backend.call_of(participant), at, hung_up=not kicked)
        reason: EndReason
        if participant.end_conference_on_exit:
            reason = (
                "participant-with-end-conference-on-exit-kicked"
                if kicked
                else "participant-with-end-conference-on-exit-left"
            )
        elif not conference.participants:
            reason = "last-participant-kicked" if kicked else "last-participant-left"
        else:
            return
        backend.conferences.finish(conference, reason, participant, at)

    def disconnect(self, participant: Participant, at: _dt.datetime, reason: LeaveReason) -> None:
        """Settling of a conference end: drop a participant because its conference ended
        (its call completes, or goes on with its TwiML: §3.6)."""
        self._drop(participant, at, "complete", "completed", reason)
        self._backend.calls.left_conference(self._backend.call_of(participant), at, hung_up=False)

    def _drop(
        self,
        participant: Participant,
        at: _dt.datetime,
        status: ParticipantStatus,
        call_status: CallStatus,
        reason: LeaveReason,
        **data: object,
    ) -> None:
        """The participant is gone (only live participants exist): ``participant-leave``."""
        participant.status = status
        participant.date_updated = max(participant.date_updated, at)
        store = self._backend.conference_of(participant).participants
        assert store is not None  # it holds every live participant
        store.remove(participant)
        self._backend.emit_participant(
            "participant-leave",
            participant,
            at,
            participant_call_status=call_status,
            reason_participant_left=reason,
            **data,
        )
