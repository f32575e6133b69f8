"""The support line: bring agents into a caller's room, mute the room, remove a caller.

Participants are addressed by their label (``"caller"``, ``"agent-ana"``), which
Twilio accepts wherever a participant's call SID goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

SUPPORT_LINE = "+15005550006"  # the number agents see calling them
CONFERENCE_EVENTS_URL = "https://moderator.example/conference-events"  # served by web.py
CONFERENCE_EVENTS = ["start", "end", "join", "leave"]


@dataclass(frozen=True)
class Agent:
    """An agent's call in a room, as Twilio answered the create."""

    call_sid: str
    conference_sid: str
    label: str
    status: str

    @classmethod
    def from_instance(cls, participant: Any) -> Agent:
        """Build an agent from a ``twilio`` ``ParticipantInstance``."""
        return cls(
            call_sid=participant.call_sid,
            conference_sid=participant.conference_sid,
            label=participant.label or "",
            status=participant.status or "",
        )


def add_agent(
    client: Client,
    room_name: str,
    to: str,
    *,
    label: str,
    moderator: bool = False,
    from_: str = SUPPORT_LINE,
    events_url: str = CONFERENCE_EVENTS_URL,
) -> Agent:
    """Call the agent at ``to`` into the room named ``room_name`` (creating it if none is live).

    A ``moderator``'s hang-up ends the room for everyone. The status callback only
    counts if the agent is the room's first participant: Twilio keeps the first
    participant's conference settings.
    """
    participant = client.conferences(room_name).participants.create(
        from_=from_,
        to=to,
        label=label,
        end_conference_on_exit=moderator,
        conference_status_callback=events_url,
        conference_status_callback_event=CONFERENCE_EVENTS,
    )
    return Agent.from_instance(participant)


def mute_everyone_but(client: Client, conference_sid: str, label: str) -> list[str]:
    """Mute every participant of the room except the one labelled ``label``.

    Returns the call SIDs this muted; participants already muted are left alone.
    """
    room = client.conferences(conference_sid)
    muted = []
    for participant in room.participants.stream(muted=False):
        if participant.label == label:
            continue
        room.participants(participant.call_sid).update(muted=True)
        muted.append(participant.call_sid)
    return muted


def kick(client: Client, conference_sid: str, label: str) -> bool:
    """Remove the participant labelled ``label``; False when nobody has that label (any more)."""
    try:
        return bool(client.conferences(conference_sid).participants(label).delete())
    except TwilioRestException as error:
        if error.status == 404:
            return False
        raise
