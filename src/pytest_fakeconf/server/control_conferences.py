"""Control handlers for conferences and their participants."""

from __future__ import annotations

from ..api.routing import PathArgs
from ..core.vocabulary import CONFERENCE_STATUSES, END_REASONS, REGIONS, one_of
from ..fake import FakeTwilio
from ..handles import ConferenceHandle, ParticipantHandle
from .control_fields import moment, optional_text, participant_options, text
from .control_replies import Body, ControlError, Reply, reply

PARTICIPANT_OPTIONS = (
    "label", "call_sid", "start_conference_on_enter", "end_conference_on_exit", "muted",
    "hold", "coaching", "call_sid_to_coach",
)  # fmt: skip


def create_conference(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    room = fake.create_conference(
        optional_text(data, "friendly_name"),
        status=one_of("status", text(data, "status", "in-progress"), CONFERENCE_STATUSES),
        region=one_of("region", text(data, "region", "us1"), REGIONS),
        date_created=moment(data.get("date_created")),
    )
    return reply(201, room.to_json())


def end_conference(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    room = _room(fake, args["sid"])
    room.end(
        one_of("reason", text(data, "reason", "conference-ended-via-api"), END_REASONS),
        optional_text(data, "call_sid"),
        at=moment(data.get("at")),
    )
    return reply(200, room.to_json())


def add_participant(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    room = _room(fake, args["sid"])
    participant = room.add_participant(**participant_options(data))
    return reply(201, participant.to_json())


def leave(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    participant = _member(_room(fake, args["sid"]), args["call"])
    scheduled = participant.leave(at=moment(data.get("at")))
    return reply(200, {"scheduled": scheduled is not None, **participant.to_json()})


def kick(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    participant = _member(_room(fake, args["sid"]), args["call"])
    scheduled = participant.kick(at=moment(data.get("at")))
    return reply(200, {"scheduled": scheduled is not None, **participant.to_json()})


def _room(fake: FakeTwilio, sid: str) -> ConferenceHandle:
    try:
        return fake.get_conference(sid)
    except LookupError:
        raise ControlError(404, f"no conference {sid}") from None


def _member(room: ConferenceHandle, call: str) -> ParticipantHandle:
    for participant in room.participants:
        if call in (participant.call_sid, participant.label):
            return participant
    raise ControlError(404, f"no live participant {call} in {room.sid}")
