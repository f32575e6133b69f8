"""Live handles a test holds on the fake's records.

A handle reads its record every time (after applying whatever scheduled
action the clock has made due), so after the application ends a conference
over HTTP, or after ``freezegun``'s ``tick`` passes a scheduled end,
``room.status`` already says ``completed``.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .api.wire import call_json, conference_json, participant_json
from .core.backend import Backend
from .core.call_store import Call
from .core.conference_store import Conference
from .core.participant_store import Change, Dial, Participant
from .core.recording_store import Recording
from .core.schedule import Scheduled
from .core.vocabulary import (
    VIA_API,
    AnsweredBy,
    CallDirection,
    CallStatus,
    ConferenceStatus,
    EndReason,
    ParticipantStatus,
    PauseBehavior,
    RecordingStatus,
    Region,
)

if TYPE_CHECKING:
    from .webhooks.voice import LogEntry, VoiceRunner

R = TypeVar("R", bound=Conference | Participant | Recording | Call)


class _Handle(Generic[R]):
    """A live view of one record: reads go through :attr:`_r`, which first
    applies whatever scheduled action the clock has made due."""

    __slots__ = ("_backend", "_record")
    _record: R

    def __init__(self, backend: Backend, record: R) -> None:
        self._backend = backend
        self._record = record

    @property
    def _r(self) -> R:
        self._backend.catch_up()
        return self._record

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Handle)
        return self._record is other._record

    def __hash__(self) -> int:
        return id(self._record)


class ConferenceHandle(_Handle[Conference]):
    """A conference as the test sees it; attributes mirror Twilio's fields.

    Attributes:
        sid: ``CF…``.
        account_sid: the account it belongs to (``AC…``).
        friendly_name: its name (one *active* conference per name).
        status: ``init``, ``in-progress`` or ``completed``.
        region: ``us1``, ``us2``, ``ie1``, ``de1``, ``sg1``, ``br1``, ``au1`` or ``jp1``.
        date_created: when it was created (timezone-aware UTC, whole seconds).
        date_updated: when it last changed.
        reason_conference_ended: one of Twilio's five end reasons once completed, else None.
        call_sid_ending_conference: the call whose leaving or kick ended it, else None.
        participants: the live participants, oldest first.
        recordings: its recordings, newest first.
    """

    __slots__ = ()

    @property
    def sid(self) -> str:
        return self._record.sid

    @property
    def account_sid(self) -> str:
        return self._record.account_sid

    @property
    def friendly_name(self) -> str:
        return self._record.friendly_name

    @property
    def status(self) -> ConferenceStatus:
        return self._r.status

    @property
    def region(self) -> Region:
        return self._record.region

    @property
    def date_created(self) -> _dt.datetime:
        return self._record.date_created

    @property
    def date_updated(self) -> _dt.datetime:
        return self._r.date_updated

    @property
    def reason_conference_ended(self) -> EndReason | None:
        return self._r.reason_conference_ended

    @property
    def call_sid_ending_conference(self) -> str | None:
        return self._r.call_sid_ending_conference

    @property
    def participants(self) -> list[ParticipantHandle]:
        """The live participants, oldest first (none once the conference ended)."""
        store = self._r.participants
        if store is None:
            return []
        return [ParticipantHandle(self._backend, p) for p in store.live()]

    @property
    def recordings(self) -> list[RecordingHandle]:
        """The conference's recordings, newest first (deleted ones excluded)."""
        store = self._r.recordings
        if store is None:
            return []
        return [RecordingHandle(self._backend, r) for r in store.newest_first()]

    def end(
        self,
        reason: EndReason = VIA_API,
        call_sid: str | None = None,
        *,
        at: _dt.datetime | None = None,
    ) -> Scheduled | None:
        """End the conference for one of Twilio's five reasons: now, back-dated, or later.

        The four participant reasons record ``call_sid`` (or a generated call
        SID) as ``call_sid_ending_conference``; ``conference-ended-via-api``
        records none. A future ``at`` (timezone-aware) schedules the end: it
        happens once the clock passes ``at`` (freezegun's ``tick``/``move_to``
        or time-machine's ``shift``) and is stamped ``at``; the returned
        ``Scheduled`` can ``cancel()`` it. A past ``at`` back-dates it (not
        before the conference's last change). Bad values raise ``ValueError``
        and change nothing; ending a completed conference raises
        :class:`~pytest_fakeconf.TwilioError` (16001).
        """
        return self._backend.conferences.end(self._record, reason, call_sid, at=at)

    def announce(self, url: str, method: str = "POST") -> None:
        """Play ``url`` into the conference, as the API's ``AnnounceUrl`` does."""
        if method.upper() not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, got {method!r}")
        self._backend.conferences.announce(self._r, url, method.upper())

    def add_participant(
        self,
        *,
        label: str | None = None,
        call_sid: str | None = None,
        start_conference_on_enter: bool = True,
        end_conference_on_exit: bool = False,
        muted: bool = False,
        hold: bool = False,
        coaching: bool = False,
        call_sid_to_coach: str | None = None,
    ) -> ParticipantHandle:
        """A call that joins now and is answered at once (``connected``).

        The same rules as Twilio's API apply: labels (16024/16026), a full
        conference (16020), a coach needs its target present (16028), and the
        conference starts once two are connected and one starts it.
        """
        backend = self._backend
        dial = Dial(
            from_="+15005550006",
            to="+15005550006",
            label=label,
            call_sid=call_sid,
            muted=muted,
            hold=hold,
            coaching=coaching or call_sid_to_coach is not None,  # as Twilio defaults it
            call_sid_to_coach=call_sid_to_coach,
            start_conference_on_enter=start_conference_on_enter,
            end_conference_on_exit=end_conference_on_exit,
        )
        record = self._r
        joined = backend.participants.join(record.account_sid, record, dial)
        return ParticipantHandle(backend, joined.participant)

    def to_json(self) -> dict[str, Any]:
        """The conference as Twilio's fetch answers it (a new dict each time)."""
        return conference_json(self._r)

    def __repr__(self) -> str:
        r = self._r
        ended = "" if r.reason_conference_ended is None else f" {r.reason_conference_ended}"
        return f"<ConferenceHandle {r.sid} {r.friendly_name!r} {r.status}{ended}>"


class ParticipantHandle(_Handle[Participant]):
    """A participant (a call in a conference); live until it leaves or is kicked.

    Attributes:
        call_sid: the participant's call (``CA…``), a call :meth:`FakeTwilio.get_call` finds.
        label: its ``Label`` (``participantLabel``), or None.
        conference_sid: the conference it joined (``CF…``).
        status: ``connected`` while in the conference; ``complete`` or ``failed`` after.
        muted: whether it is muted.
        hold: whether it is on hold.
        coaching: whether it coaches another participant.
        call_sid_to_coach: the call it coaches, or None.
        start_conference_on_enter: whether its joining starts the conference.
        end_conference_on_exit: whether its leaving ends the conference.
        date_created: when it joined (timezone-aware UTC).
        date_updated: when it last changed.
    """

    __slots__ = ()

    @property
    def call_sid(self) -> str:
        return self._record.call_sid

    @property
    def label(self) -> str | None:
        return self._record.label

    @property
    def conference_sid(self) -> str:
        return self._record.conference_sid

    @property
    def status(self) -> ParticipantStatus:
        """``connected`` while in the conference; ``complete`` or ``failed`` after."""
        return self._r.status

    @property
    def muted(self) -> bool:
        return self._r.muted

    @property
    def hold(self) -> bool:
        return self._r.hold

    @property
    def coaching(self) -> bool:
        return self._r.coaching

    @property
    def call_sid_to_coach(self) -> str | None:
        return self._r.call_sid_to_coach

    @property
    def start_conference_on_enter(self) -> bool:
        return self._record.start_conference_on_enter

    @property
    def end_conference_on_exit(self) -> bool:
        return self._r.end_conference_on_exit

    @property
    def date_created(self) -> _dt.datetime:
        return self._record.date_created

    @property
    def date_updated(self) -> _dt.datetime:
        return self._r.date_updated

    def update(
        self,
        *,
        muted: bool | None = None,
        hold: bool | None = None,
        coaching: bool | None = None,
        call_sid_to_coach: str | None = None,
        end_conference_on_exit: bool | None = None,
        beep_on_exit: bool | None = None,
        wait_url: str | None = None,
        announce_url: str | None = None,
        announce_method: str = "POST",
    ) -> None:
        """Change the participant as the API's update does, with the same rules
        (16028 for a coach target not present) and the same events
        (``participant-mute``/``-unmute``, ``-hold``/``-unhold``, ``-modify``,
        an announcement)."""
        options: dict[str, str] = {}
        if beep_on_exit is not None:
            options["BeepOnExit"] = "true" if beep_on_exit else "false"
        if wait_url is not None:
            options["WaitUrl"] = wait_url
        if announce_method.upper() not in ("GET", "POST"):
            raise ValueError(f"announce_method must be GET or POST, got {announce_method!r}")
        change = Change(
            muted=muted,
            hold=hold,
            coaching=coaching,
            call_sid_to_coach=call_sid_to_coach,
            end_conference_on_exit=end_conference_on_exit,
            announce_url=announce_url,
            announce_method=announce_method.upper(),
            options=options,
        )
        self._backend.participants.update(self._r, change)

    def leave(self, *, at: _dt.datetime | None = None) -> Scheduled | None:
        """The participant hangs up: now, back-dated, or at a future ``at``."""
        return self._backend.participants.leave(self._record, kicked=False, at=at)

    def speak(self, *, at: _dt.datetime | None = None, duration: _dt.timedelta) -> Scheduled:
        """The participant speaks from ``at`` (now by default; a future moment is
        scheduled) for ``duration`` (the stop is scheduled): ``participant-speech-start``
        and ``-stop`` (the ``speaker`` callbacks). Returns the first pending step."""
        return self._backend.participants.speak(self._record, at=at, duration=duration)

    def kick(self, *, at: _dt.datetime | None = None) -> Scheduled | None:
        """Remove the participant as the API's DELETE does: now or at ``at``."""
        return self._backend.participants.leave(self._record, kicked=True, at=at)

    def to_json(self) -> dict[str, Any]:
        """The participant as Twilio's fetch answers it (a new dict each time)."""
        return participant_json(self._r)

    def __repr__(self) -> str:
        r = self._r
        flags = "".join(f" {name}" for name in ("muted", "hold", "coaching") if getattr(r, name))
        return (
            f"<ParticipantHandle {r.call_sid} label={r.label!r} {r.status}{flags}"
            f" in {r.conference_sid}>"
        )


class RecordingHandle(_Handle[Recording]):
    """A conference recording.

    Attributes:
        sid: ``RE…``.
        conference_sid: the conference recorded (``CF…``).
        status: ``in-progress``, ``paused``, ``stopped``, ``processing``, ``completed``
            or ``absent``.
        start_time: when recording started (timezone-aware UTC).
        duration: seconds recorded, once completed (None before).
        price: what Twilio would charge (``"-0.0025"`` USD per started minute), once
            completed.
    """

    __slots__ = ()

    @property
    def sid(self) -> str:
        return self._record.sid

    @property
    def conference_sid(self) -> str:
        return self._record.conference_sid

    @property
    def status(self) -> RecordingStatus:
        return self._r.status

    @property
    def start_time(self) -> _dt.datetime:
        return self._record.start_time

    @property
    def duration(self) -> int | None:
        """Seconds recorded, once completed."""
        return self._r.duration

    @property
    def price(self) -> str | None:
        return self._r.price

    def pause(self, behavior: PauseBehavior = "silence") -> None:
        """Pause the recording, as the API's update with ``Status=paused`` does:
        ``"skip"`` leaves the pause out of the duration, ``"silence"`` keeps it.
        Refused with :class:`~pytest_fakeconf.TwilioError` 20001 unless it is
        running (or already paused), or once its conference ended."""
        self._backend.recordings.update(self._r, "paused", behavior)

    def resume(self) -> None:
        """Resume a paused recording (the API's ``Status=in-progress``)."""
        self._backend.recordings.update(self._r, "in-progress")

    def stop(self) -> None:
        """Stop the recording (the API's ``Status=stopped``); the fake processes it at
        once, so it is ``completed``, with its duration and price, right after."""
        self._backend.recordings.update(self._r, "stopped")

    def __repr__(self) -> str:
        r = self._r
        duration = "" if r.duration is None else f" duration={r.duration}"
        return f"<RecordingHandle {r.sid} {r.status}{duration} of {r.conference_sid}>"


class CallHandle(_Handle[Call]):
    """A call (``/Calls/{Sid}``): an inbound call, a call the app created over the
    API, or the leg of a participant the app added; live after it ended too.

    Attributes:
        sid: ``CA…``.
        status: ``queued``, ``ringing``, ``in-progress``, then ``completed``, ``busy``,
            ``no-answer``, ``failed`` or ``canceled``.
        direction: ``inbound``, ``outbound-api`` or ``outbound-dial``.
        from_: the caller (``From``).
        to: who was called (``To``).
        parent_call_sid: the dialling call of an ``outbound-dial`` child, else None.
        answered_by: what machine detection reported, else None.
        conference_sid: the conference the call is in now, else None.
        date_created: when it was created (timezone-aware UTC).
        start_time: when it was answered, else None.
        end_time: when an answered call completed, else None.
        duration: seconds from answer to end, once completed.
        log: what the call ran, in order (:class:`~pytest_fakeconf.LogEntry`).
        gathering: whether it waits in a ``<Gather>`` for :meth:`press` or :meth:`say`.
    """

    __slots__ = ("_runner",)

    def __init__(self, backend: Backend, record: Call, runner: VoiceRunner | None = None) -> None:
        super().__init__(backend, record)
        self._runner = runner

    @property
    def sid(self) -> str:
        return self._record.sid

    @property
    def status(self) -> CallStatus:
        """``queued``, ``ringing``, ``in-progress``, then ``completed``, ``busy``,
        ``no-answer``, ``failed`` or ``canceled``."""
        return self._r.status

    @property
    def direction(self) -> CallDirection:
        """``inbound``, ``outbound-api`` (the API, participant legs too) or ``outbound-dial``."""
        return self._record.direction

    @property
    def from_(self) -> str:
        return self._record.from_

    @property
    def to(self) -> str:
        return self._record.to

    @property
    def parent_call_sid(self) -> str | None:
        return self._record.parent_call_sid

    @property
    def answered_by(self) -> AnsweredBy | None:
        """What machine detection reported (``human``, ``machine_start``, …); None
        without ``MachineDetection`` or before the call was answered."""
        return self._r.answered_by

    @property
    def conference_sid(self) -> str | None:
        """The conference the call is in now; None when it is in none."""
        return self._r.conference_sid

    @property
    def date_created(self) -> _dt.datetime:
        return self._record.date_created

    @property
    def start_time(self) -> _dt.datetime | None:
        """When it was answered (None if it never was)."""
        return self._r.start_time

    @property
    def end_time(self) -> _dt.datetime | None:
        """When an answered call completed."""
        return self._r.end_time

    @property
    def duration(self) -> int | None:
        """Seconds from answer to end, once completed."""
        return self._r.duration

    def hang_up(self) -> None:
        """The caller hangs up, as the API's ``Status=completed`` does: in a conference
        its participant leaves (``participant_hung_up``) and the conference's rules
        apply. :class:`~pytest_fakeconf.TwilioError` 21220 once the call ended."""
        self._backend.calls.hang_up(self._r)

    @property
    def log(self) -> list[LogEntry]:
        """What the call ran, in order: each ``<Say>`` (``text``: the words), ``<Play>``
        (the URL), ``<Pause>`` (the seconds), ``<Gather>`` (``answer``: the digits or
        speech, None for no input), ``<Dial>`` (``answer``: its ``DialCallStatus``),
        ``<Redirect>``, ``<Hangup>``; announcements, wait and hold music played to it
        too (``source``)."""
        self._backend.catch_up()
        return self._voice.log(self._record.sid)

    @property
    def gathering(self) -> bool:
        """Whether the call waits in a ``<Gather>`` for :meth:`press` or :meth:`say`."""
        self._backend.catch_up()
        return self._voice.waiting(self._record.sid) is not None

    def press(self, digits: str) -> None:
        """The caller presses ``digits`` (``0-9``, ``*``, ``#``) in the ``<Gather>`` the
        call waits in: the gather ends with the keys up to its ``finishOnKey`` (at most
        ``numDigits``), and its action is requested with ``Digits`` (``"#"`` alone is
        no input). ``ValueError`` if the call is not waiting in a ``<Gather>`` that
        takes ``dtmf`` (its timeout may have passed on the clock)."""
        self._voice.press(self._r, digits)

    def say(self, speech: str, *, confidence: float = 0.9) -> None:
        """The caller says ``speech`` in the ``<Gather input="speech">`` the call waits
        in: its action is requested with ``SpeechResult`` and ``Confidence``."""
        self._voice.say(self._r, speech, confidence)

    @property
    def _voice(self) -> VoiceRunner:
        if self._runner is None:
            raise RuntimeError("this call handle has no TwiML runner (get it from fakeconf)")
        return self._runner

    def to_json(self) -> dict[str, Any]:
        """The call as Twilio's fetch answers it (a new dict each time)."""
        return call_json(self._r)

    def __repr__(self) -> str:
        r = self._r
        where = "" if r.conference_sid is None else f" in {r.conference_sid}"
        return f"<CallHandle {r.sid} {r.direction} {r.from_} -> {r.to} {r.status}{where}>"
