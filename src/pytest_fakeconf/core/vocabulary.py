"""Twilio's words, defined once: statuses, reasons, regions, event kinds, callback keywords.

Each is a ``Literal`` type (for signatures: a user's mypy rejects a typo such as
``room.end("bogus-reason")``) and the tuple of its values derived from it with
``typing.get_args`` (for runtime checks: users without mypy get a ``ValueError``).
Sources: the OpenAPI enums of ``../shared/twilio-oai/`` and
``../shared/reference/twilio-conference-api.md``.
"""

from __future__ import annotations

from typing import Literal, TypeVar, get_args

# -- conferences --------------------------------------------------------------
ConferenceStatus = Literal["init", "in-progress", "completed"]
CONFERENCE_STATUSES: tuple[ConferenceStatus, ...] = get_args(ConferenceStatus)
ACTIVE_STATUSES: frozenset[ConferenceStatus] = frozenset({"init", "in-progress"})

EndReason = Literal[
    "conference-ended-via-api",
    "participant-with-end-conference-on-exit-left",
    "participant-with-end-conference-on-exit-kicked",
    "last-participant-left",
    "last-participant-kicked",
]
END_REASONS: tuple[EndReason, ...] = get_args(EndReason)
VIA_API: EndReason = "conference-ended-via-api"

Region = Literal["us1", "us2", "ie1", "de1", "sg1", "br1", "au1", "jp1"]
REGIONS: tuple[Region, ...] = get_args(Region)

# -- participants -------------------------------------------------------------
ParticipantStatus = Literal["queued", "connecting", "ringing", "connected", "complete", "failed"]
PARTICIPANT_STATUSES: tuple[ParticipantStatus, ...] = get_args(ParticipantStatus)
LIVE_PARTICIPANT_STATUSES: frozenset[ParticipantStatus] = frozenset(
    {"queued", "connecting", "ringing", "connected"}
)
# ReasonParticipantLeft of a conference status callback.
LeaveReason = Literal[
    "participant_hung_up",
    "participant_updated_via_api",
    "participant_add_failed",
    "conference_ended_via_api",
    "moderator_ended_conference",
]
LEAVE_REASONS: tuple[LeaveReason, ...] = get_args(LeaveReason)

# -- calls (``../shared/reference/twilio-calls-and-twiml.md`` §1.2, §1.3) ------
# OpenAPI ``call_enum_status``: ``initiated`` is a callback event, never a status.
CallStatus = Literal[
    "queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"
]
CALL_STATUSES: tuple[CallStatus, ...] = get_args(CallStatus)
LIVE_CALL_STATUSES: frozenset[CallStatus] = frozenset({"queued", "ringing", "in-progress"})
# The directions the fake makes (Twilio also has trunking-terminating/-originating).
CallDirection = Literal["inbound", "outbound-api", "outbound-dial"]
CALL_DIRECTIONS: tuple[CallDirection, ...] = get_args(CallDirection)

# What a dialled number does (``FakeTwilio.set_call_outcome``).
CallOutcome = Literal["answer", "busy", "no-answer", "failed"]
CALL_OUTCOMES: tuple[CallOutcome, ...] = get_args(CallOutcome)
# ``AnsweredBy`` of Answering Machine Detection (§5): ``machine_start`` belongs to
# ``MachineDetection=Enable``, the ``machine_end_*`` values to ``DetectMessageEnd``.
AnsweredBy = Literal[
    "human",
    "machine_start",
    "machine_end_beep",
    "machine_end_silence",
    "machine_end_other",
    "fax",
    "unknown",
]
ANSWERED_BY: tuple[AnsweredBy, ...] = get_args(AnsweredBy)
MachineDetection = Literal["Enable", "DetectMessageEnd"]
MACHINE_DETECTIONS: tuple[MachineDetection, ...] = get_args(MachineDetection)

# -- recordings ---------------------------------------------------------------
RecordingStatus = Literal["in-progress", "paused", "stopped", "processing", "completed", "absent"]
RECORDING_STATUSES: tuple[RecordingStatus, ...] = get_args(RecordingStatus)
PauseBehavior = Literal["skip", "silence"]
PAUSE_BEHAVIORS: tuple[PauseBehavior, ...] = get_args(PauseBehavior)

# -- events of the core's log (``FakeTwilio.events``) -------------------------
EventKind = Literal[
    "conference-create",
    "conference-start",
    "conference-end",
    "conference-announce",
    "call-initiated",
    "call-ringing",
    "call-answered",
    "call-completed",
    "call-redirected",
    "call-machine-detected",
    "participant-join",
    "participant-leave",
    "participant-mute",
    "participant-unmute",
    "participant-hold",
    "participant-unhold",
    "participant-modify",
    "participant-announce",
    "participant-speech-start",
    "participant-speech-stop",
    "recording-in-progress",
    "recording-paused",
    "recording-stopped",
    "recording-processing",
    "recording-completed",
    "recording-absent",
    "schedule-skipped",
]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)

# -- callback keywords an app subscribes with ---------------------------------
# ConferenceStatusCallbackEvent / <Conference statusCallbackEvent>.
ConferenceCallbackEvent = Literal[
    "start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"
]
CONFERENCE_CALLBACK_EVENTS: tuple[ConferenceCallbackEvent, ...] = get_args(ConferenceCallbackEvent)
# ConferenceRecordingStatusCallbackEvent / <Conference recordingStatusCallbackEvent>.
ConferenceRecordingCallbackEvent = Literal["in-progress", "completed", "failed", "absent"]
CONFERENCE_RECORDING_CALLBACK_EVENTS: tuple[ConferenceRecordingCallbackEvent, ...] = get_args(
    ConferenceRecordingCallbackEvent
)
# RecordingStatusCallbackEvent of a participant's call recording.
RecordingCallbackEvent = Literal[
    "started", "in-progress", "paused", "resumed", "stopped", "completed", "failed", "absent"
]
RECORDING_CALLBACK_EVENTS: tuple[RecordingCallbackEvent, ...] = get_args(RecordingCallbackEvent)
# StatusCallbackEvent of a participant's call.
CallCallbackEvent = Literal["initiated", "ringing", "answered", "completed"]
CALL_CALLBACK_EVENTS: tuple[CallCallbackEvent, ...] = get_args(CallCallbackEvent)

W = TypeVar("W", bound=str)


def one_of(name: str, value: object, allowed: tuple[W, ...]) -> W:
    """``value`` as one of ``allowed``; ``ValueError`` naming them otherwise."""
    for word in allowed:
        if value == word:
            return word
    raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
