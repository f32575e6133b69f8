"""Status callbacks: the core's events as the requests Twilio sends the app.

Three subscriptions (§4 of the conference reference):

* the conference's (``ConferenceStatusCallback*`` of the first participant, or
  ``statusCallback*`` of ``<Conference>``): ``conference-start``, ``-end``,
  ``participant-join``, ``-leave``, ``-mute``/``-unmute``, ``-hold``/``-unhold``,
  ``-modify``, ``-speech-start``/``-speech-stop``, ``announcement-end``, chosen by
  the keywords ``start end join leave mute hold modify speaker announcement``; and
  the legacy ``conference-record-end`` when the conference recording has no
  ``recordingStatusCallback``;
* each call's progress (``StatusCallback``/``StatusCallbackEvent`` of ``calls.create``
  or of a Participants API leg: ``initiated ringing answered completed``, by default
  ``completed``; calls reference §2.2);
* the conference recording's (``ConferenceRecordingStatusCallback*``:
  ``in-progress completed absent``, by default ``completed``);
* Answering Machine Detection's result (calls reference §5): ``AsyncAmdStatusCallback``
  of a call created with ``AsyncAmd=true``, or ``AmdStatusCallback`` of a Participants
  leg / ``<Number>``, with ``AccountSid``, ``CallSid``, ``AnsweredBy`` and
  ``MachineDetectionDuration`` (ms).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from ..core.call_store import Call
from ..core.conference_store import Conference, ConferenceSettings
from ..core.events import Event
from ..core.recording_store import Recording
from ..formats import API_VERSION, rfc2822

if TYPE_CHECKING:
    from ..core.backend import Backend
    from .delivery import Router

Pairs = list[tuple[str, str]]

# core event -> (subscription keyword, StatusCallbackEvent)
CONFERENCE_EVENTS = {  # speaker: FIDELITY: F68
    "conference-start": ("start", "conference-start"),
    "conference-end": ("end", "conference-end"),
    "participant-join": ("join", "participant-join"),
    "participant-leave": ("leave", "participant-leave"),
    "participant-mute": ("mute", "participant-mute"),
    "participant-unmute": ("mute", "participant-unmute"),
    "participant-hold": ("hold", "participant-hold"),
    "participant-unhold": ("hold", "participant-unhold"),
    "participant-modify": ("modify", "participant-modify"),
    "participant-speech-start": ("speaker", "participant-speech-start"),
    "participant-speech-stop": ("speaker", "participant-speech-stop"),
    "conference-announce": ("announcement", "announcement-end"),
    "participant-announce": ("announcement", "announcement-end"),
}
# core event -> (StatusCallbackEvent keyword, CallStatus)
CALL_EVENTS = {
    "call-initiated": ("initiated", "initiated"),
    "call-ringing": ("ringing", "ringing"),
    "call-answered": ("answered", "in-progress"),
    "call-completed": ("completed", "completed"),  # the call's final status, in fact
}
# ``failed`` is accepted as a subscription but never sent: Twilio sends it only when
# Voice Recording Encryption fails, which the fake does not have (FIDELITY: F25).
RECORDING_EVENTS = {
    "recording-in-progress": "in-progress",
    "recording-completed": "completed",
    "recording-absent": "absent",
}
# "Reason": "A message indicating why the conference ended" (wording not documented;
# FIDELITY: F13).
END_MESSAGES = {
    "conference-ended-via-api": "Conference ended via API",
    "participant-with-end-conference-on-exit-left": (
        "Participant {call} with endConferenceOnExit left the conference"
    ),
    "participant-with-end-conference-on-exit-kicked": (
        "Participant {call} with endConferenceOnExit was kicked from the conference"
    ),
    "last-participant-left": "Last participant {call} left the conference",
    "last-participant-kicked": "Last participant {call} was kicked from the conference",
}


def timestamp(at: _dt.datetime) -> str:
    """A conference callback's ``Timestamp``: RFC 2822 with the day not zero-padded,
    as the documented example ``Thu, 1 Jun 2017 20:48:32 +0000`` (FIDELITY: F43)."""
    stamp = rfc2822(at) or ""
    return stamp.replace(", 0", ", ", 1)


def recording_url(recording: Recording) -> str:
    """``RecordingUrl`` of a recording callback (§4.2's example)."""
    return (
        f"https://api.twilio.com/{API_VERSION}/Accounts/{recording.account_sid}"
        f"/Recordings/{recording.sid}"
    )


def record_file_size(seconds: int) -> int:
    """``RecordingFileSize`` of ``conference-record-end``: 8 kHz 16-bit mono WAV (16,000
    bytes a second plus a 44-byte header), a GUESS of the same order as the documented
    example's 6 s / 90786 bytes (FIDELITY: F69)."""
    return 16_000 * seconds + 44


def _bool(value: object) -> str:
    return "true" if value else "false"


class StatusCallbacks:
    """Subscribes to the core's events and delivers the matching callbacks."""

    def __init__(self, backend: Backend, router: Router) -> None:
        self._backend = backend
        self._router = router
        self._sequence: dict[str, int] = {}
        backend.events.subscribe(self.on_event)

    def on_event(self, event: Event) -> None:
        if event.kind in CONFERENCE_EVENTS and not event.kind.endswith("-announce"):
            # Announcements are reported once played (webhooks/announce.py calls
            # conference_event with announcement-end or announcement-fail).
            self.conference_event(event)
        if event.kind in CALL_EVENTS:
            self._call_event(event)
        if event.kind in RECORDING_EVENTS:
            self._recording_event(event)
        if event.kind == "recording-completed":
            self._record_end(event)
        if event.kind == "call-machine-detected":
            self._amd_event(event)

    def _conference(self, event: Event) -> Conference | None:
        return self._backend.conference_store(event.account_sid).get(event.conference_sid)

    # -- the conference's subscription ------------------------------------------
    def conference_event(
        self, event: Event, name: str | None = None, extra: Pairs | None = None
    ) -> None:
        """Deliver ``event`` to the conference's subscription (if it chose its keyword),
        as ``StatusCallbackEvent`` ``name`` (default: the event's own), plus ``extra``."""
        conference = self._conference(event)
        settings = conference.settings if conference is not None else None
        if conference is None or settings is None or not settings.status_callback:
            return
        keyword, default = CONFERENCE_EVENTS[event.kind]
        name = name or default
        if keyword not in settings.status_callback_events:
            return
        pairs = [*self._common(conference, event.at), ("StatusCallbackEvent", name)]
        data = event.data
        if "call_sid" in data:
            pairs += [
                ("CallSid", str(data["call_sid"])),
                ("Muted", _bool(data["muted"])),
                ("Hold", _bool(data["hold"])),
                ("Coaching", _bool(data["coaching"])),
                ("EndConferenceOnExit", _bool(data["end_conference_on_exit"])),
                ("StartConferenceOnEnter", _bool(data["start_conference_on_enter"])),
            ]
            if data.get("label"):
                pairs.append(("ParticipantLabel", str(data["label"])))
        if event.kind == "participant-leave":
            pairs += [
                ("ParticipantCallStatus", str(data["participant_call_status"])),
                ("ReasonParticipantLeft", str(data["reason_participant_left"])),
            ]
        if event.kind == "conference-end":
            reason = str(data["reason_conference_ended"])
            call = data.get("call_sid_ending_conference")
            pairs += [
                ("ReasonConferenceEnded", reason),
                ("Reason", END_MESSAGES[reason].format(call=call)),
            ]
            if call:
                pairs.append(("CallSidEndingConference", str(call)))
            if data.get("participant_label_ending_conference"):
                label = str(data["participant_label_ending_conference"])
                pairs.append(("ParticipantLabelEndingConference", label))
        if event.kind.endswith("-announce"):
            pairs.append(("AnnounceUrl", str(data["url"])))
        pairs += extra or []
        self._router.send(
            "conference-status", settings.status_callback, settings.status_callback_method, pairs
        )

    def _common(self, conference: Conference, at: _dt.datetime) -> Pairs:
        """The parameters §4.2 sends on "All" conference callbacks (the next number)."""
        number = self._sequence.get(conference.sid, 0) + 1
        self._sequence[conference.sid] = number
        return [
            ("ConferenceSid", conference.sid),
            ("FriendlyName", conference.friendly_name),
            ("AccountSid", conference.account_sid),
            ("SequenceNumber", str(number)),
            ("Timestamp", timestamp(at)),
        ]

    def _record_end(self, event: Event) -> None:
        """The deprecated ``conference-record-end`` (§4.2: ``EventName``, ``RecordingUrl``,
        ``Duration``, ``RecordingFileSize``; "not sent if ``recordingStatusCallback`` is
        given"), to the conference's ``statusCallback`` whatever its keywords, numbered
        with its other callbacks; the file size is made up (FIDELITY: F69)."""
        conference = self._conference(event)
        settings = conference.settings if conference is not None else None
        if conference is None or settings is None or not settings.status_callback:
            return
        if settings.recording_status_callback:
            return
        recording = event.data["recording"]
        assert isinstance(recording, Recording)
        duration = recording.duration or 0
        pairs = [
            *self._common(conference, event.at),
            ("EventName", "conference-record-end"),
            ("RecordingUrl", recording_url(recording)),
            ("Duration", str(duration)),
            ("RecordingFileSize", str(record_file_size(duration))),
        ]
        self._router.send(
            "conference-status", settings.status_callback, settings.status_callback_method, pairs
        )

    # -- each call's progress ---------------------------------------------------
    def _call_event(self, event: Event) -> None:
        """A call status callback (calls reference §2.2): ``StatusCallback`` of the call
        (of ``calls.create``, or of a Participants API leg), for the events it chose."""
        call = event.data.get("call")
        if not isinstance(call, Call) or not call.status_callback:
            return
        keyword, status = CALL_EVENTS[event.kind]
        if keyword not in call.status_callback_events:
            return
        if keyword == "completed":
            status = call.status  # completed, busy, no-answer, failed or canceled
        number = self._sequence.get(call.sid, -1) + 1  # call progress counts from 0
        self._sequence[call.sid] = number
        if keyword == "completed":
            del self._sequence[call.sid]  # its last callback: no number is kept per ended call
        pairs: Pairs = [
            ("AccountSid", call.account_sid),
            ("ApiVersion", API_VERSION),
            ("CallSid", call.sid),
            ("CallStatus", status),
            ("CallbackSource", "call-progress-events"),
            ("Called", call.to),
            ("Caller", call.from_),
            ("Direction", call.direction),
            ("From", call.from_),
            ("To", call.to),
            ("SequenceNumber", str(number)),
            ("Timestamp", rfc2822(event.at) or ""),
        ]
        # No ``ParentCallSid``: a <Dial> child, the only call with a parent, has no
        # StatusCallback here (<Number statusCallback> is not implemented).
        if keyword == "completed":
            seconds = call.duration or 0
            pairs.append(("CallDuration", str(seconds)))
            if call.status == "completed":
                # "Duration": billed minutes (§2.2); rounded up, at least one for an
                # answered call: a GUESS (FIDELITY: F62).
                pairs.append(("Duration", str(max(1, -(-seconds // 60)))))
        self._router.send("call-status", call.status_callback, call.status_callback_method, pairs)

    # -- machine detection's ------------------------------------------------------
    def _amd_event(self, event: Event) -> None:
        """The AMD callback (§5): exactly the four parameters the sources name (whether
        Twilio adds the §2.1 set is open, §9.8); its answer is not TwiML and is ignored."""
        call = event.data.get("call")
        if not isinstance(call, Call) or call.amd is None or not call.amd.callback:
            return
        pairs: Pairs = [
            ("AccountSid", call.account_sid),
            ("CallSid", call.sid),
            ("AnsweredBy", str(event.data["answered_by"])),
            ("MachineDetectionDuration", str(event.data["duration_ms"])),
        ]
        self._router.send("amd-status", call.amd.callback, call.amd.callback_method, pairs)

    # -- the recording's --------------------------------------------------------
    def _recording_event(self, event: Event) -> None:
        conference = self._conference(event)
        settings: ConferenceSettings | None = conference.settings if conference else None
        if settings is None or not settings.recording_status_callback:
            return
        status = RECORDING_EVENTS[event.kind]
        if status not in settings.recording_status_callback_events:
            return
        recording = event.data["recording"]
        assert isinstance(recording, Recording)
        pairs: Pairs = [
            ("AccountSid", recording.account_sid),
            ("ConferenceSid", recording.conference_sid),
            ("RecordingSid", recording.sid),
            ("RecordingUrl", recording_url(recording)),
            ("RecordingStatus", status),
            ("RecordingChannels", str(recording.channels)),
            ("RecordingStartTime", rfc2822(recording.start_time) or ""),
            ("RecordingSource", recording.source),
        ]
        if status == "completed":
            pairs.append(("RecordingDuration", str(recording.duration or 0)))
        if recording.error_code is not None:
            # "Error 16101 … a parameter in the RecordingStatusCallback" (Twilio support);
            # the parameter's name is not documented (FIDELITY: F22).
            pairs.append(("ErrorCode", str(recording.error_code)))
        self._router.send(
            "recording-status",
            settings.recording_status_callback,
            settings.recording_status_callback_method,
            pairs,
        )
