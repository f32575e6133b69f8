"""Participants: calls that join, change, and leave a conference.

The rules (``shared/reference/twilio-conference-api.md`` §5.1, §5.3, §5.4):

* a dialled participant is ``queued``; the call is then answered (by default at
  once) and ``connected``, or fails (busy, no answer, failed) and is gone;
* a conference starts (``init`` → ``in-progress``) once two participants are
  connected and one of them has ``start_conference_on_enter``;
* it ends when a participant with ``end_conference_on_exit`` leaves or is
  kicked, or when the last participant leaves or is kicked, naming that call;
* only live participants exist: whoever leaves is removed.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import TwilioError
from .models import Conference, ConferenceSettings, Participant
from .participants import ParticipantStore, check_label
from .sids import is_sid

if TYPE_CHECKING:
    from .backend import Backend

# What a dialled number does (``FakeTwilio.set_call_outcome``).
CALL_OUTCOMES = ("answer", "busy", "no-answer", "failed")


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
    region: str | None = None


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


# Attributes whose change Twilio reports as ``participant-modify`` (§4.1).
MODIFY_OPTIONS = ("BeepOnExit", "WaitUrl", "WaitMethod")


class Calls:
    """Participant operations; the conference-level rules stay in the backend."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.outcomes: dict[str, str] = {}

    # -- joining ------------------------------------------------------------
    def check_join(self, conference: Conference | None, dial: Dial) -> None:
        """Raise Twilio's error if ``dial`` cannot join ``conference`` (None: a new one)."""
        if dial.label is not None:
            check_label(dial.label)
        if dial.call_sid is not None and not is_sid(dial.call_sid, "CA"):
            raise ValueError(f"call_sid must be 'CA' + 32 hex digits, got {dial.call_sid!r}")
        if conference is not None and not conference.active:
            raise TwilioError(
                400,
                16022,
                "The requested conference sid or friendly name refers to a non-existent "
                "or completed conference",
            )
        store = conference.participants if conference is not None else None
        if dial.coaching and dial.call_sid_to_coach is None:
            raise TwilioError(400, 16028, "Coaching requires CallSidToCoach")
        if dial.call_sid_to_coach is not None and (
            store is None or not store.has_call(dial.call_sid_to_coach)
        ):
            raise TwilioError(
                400, 16028, "Participant to be whispered is not present in the conference"
            )
        if store is None or conference is None:
            return
        if dial.label is not None:
            store.check_label_free(dial.label)
        if dial.call_sid is not None and store.has_call(dial.call_sid):
            raise ValueError(f"call {dial.call_sid} is already in the conference")
        limit = (conference.settings or dial.settings).max_participants
        if len(store) >= limit:
            raise TwilioError(400, 16020, "Conference is full")

    def dial(self, conference: Conference, dial: Dial, at: _dt.datetime) -> Participant:
        """Add a ``queued`` participant (already checked with :meth:`check_join`)."""
        backend = self._backend
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
            call_sid=dial.call_sid if dial.call_sid is not None else backend.sids.sid("CA"),
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
        backend.emit_participant("call-initiated", participant, at)
        return participant

    def join(self, conference: Conference, dial: Dial) -> Participant:
        """Dial now and settle at once: a call that joins (checked beforehand)."""
        now, _ = self._backend.moment(None, conference.date_updated)
        with self._backend.events.batch():
            participant = self.dial(conference, dial, now)
            self.settle(participant, now)
        return participant

    def settle(self, participant: Participant, at: _dt.datetime) -> None:
        """Answer (or fail) a queued call as its number is set up to."""
        if participant.status != "queued":
            return
        backend = self._backend
        conference = backend.conference_of(participant)
        outcome = self.outcomes.get(participant.to, "answer")
        backend.emit_participant("call-ringing", participant, at)
        if outcome != "answer":
            participant.status = "failed"
            self._remove(conference, participant, at)
            backend.emit_participant(
                "participant-leave",
                participant,
                at,
                participant_call_status=outcome,
                reason_participant_left="participant_add_failed",
            )
            if conference.status == "init" and not conference.participants:
                # Nobody is left in a conference that never started: it ends with
                # that call. (Twilio does not document this case; a conference a
                # test set up in progress is left alone.)
                backend.finish(conference, "last-participant-left", participant, at)
            return
        participant.status = "connected"
        participant.date_updated = max(participant.date_updated, at)
        backend.emit_participant("call-answered", participant, at)
        backend.emit_participant("participant-join", participant, at)
        backend.start_if_ready(conference, at)

    # -- leaving ------------------------------------------------------------
    def leave(self, participant: Participant, *, kicked: bool, at: _dt.datetime) -> None:
        """The call hangs up (``kicked=False``) or is removed over the API."""
        if not participant.live:
            raise TwilioError(
                404, 20404, f"Participant {participant.call_sid} is no longer in the conference"
            )
        backend = self._backend
        conference = backend.conference_of(participant)
        participant.status = "complete"
        self._remove(conference, participant, at)
        backend.emit_participant(
            "participant-leave",
            participant,
            at,
            participant_call_status="completed",
            reason_participant_left="participant_updated_via_api"
            if kicked
            else "participant_hung_up",
        )
        if not conference.active:
            return
        how = "kicked" if kicked else "left"
        if participant.end_conference_on_exit:
            backend.finish(
                conference, f"participant-with-end-conference-on-exit-{how}", participant, at
            )
        elif not conference.participants:
            backend.finish(conference, f"last-participant-{how}", participant, at)

    def disconnect(self, participant: Participant, at: _dt.datetime, reason: str) -> None:
        """Drop a participant because its conference ended."""
        conference = self._backend.conference_of(participant)
        participant.status = "complete"
        self._remove(conference, participant, at)
        self._backend.emit_participant(
            "participant-leave",
            participant,
            at,
            participant_call_status="completed",
            reason_participant_left=reason,
        )

    def _remove(self, conference: Conference, participant: Participant, at: _dt.datetime) -> None:
        participant.date_updated = max(participant.date_updated, at)
        if conference.participants is not None:
            conference.participants.remove(participant)

    # -- changing -----------------------------------------------------------
    def check_change(self, participant: Participant, change: Change) -> None:
        """16028 unless a coach's target (new or kept) is present in the conference."""
        target = change.call_sid_to_coach or participant.call_sid_to_coach
        if change.coaching is True and target is None:
            raise TwilioError(400, 16028, "Coaching requires CallSidToCoach")
        if change.call_sid_to_coach is not None or change.coaching is True:
            store = self._backend.conference_of(participant).participants
            if target is None or store is None or not store.has_call(target):
                raise TwilioError(
                    400, 16028, "Participant to be whispered is not present in the conference"
                )

    def change(self, participant: Participant, change: Change, at: _dt.datetime) -> None:
        """Apply a checked update and report what changed as events."""
        backend = self._backend
        changed = False
        if change.muted is not None and change.muted != participant.muted:
            participant.muted = change.muted
            backend.emit_participant(
                "participant-mute" if change.muted else "participant-unmute", participant, at
            )
            changed = True
        if change.hold is not None and change.hold != participant.hold:
            participant.hold = change.hold
            backend.emit_participant(
                "participant-hold" if change.hold else "participant-unhold", participant, at
            )
            changed = True
        modified = False
        if change.coaching is not None and change.coaching != participant.coaching:
            participant.coaching = change.coaching
            modified = True
        if change.call_sid_to_coach is not None:
            modified |= change.call_sid_to_coach != participant.call_sid_to_coach
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
            backend.emit_participant("participant-modify", participant, at)
        if change.announce_url is not None:
            backend.emit_participant(
                "participant-announce",
                participant,
                at,
                url=change.announce_url,
                method=change.announce_method,
            )
        if changed or modified or change.announce_url is not None:
            participant.date_updated = max(participant.date_updated, at)
