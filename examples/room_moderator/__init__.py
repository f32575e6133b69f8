"""room_moderator: keeps a Twilio account's conference rooms tidy.

Given a :class:`twilio.rest.Client` it lists live rooms, ends rooms that have
run for too long, announces messages into rooms and reports how finished rooms
ended; for the support line it calls agents into a caller's room, mutes the room
and removes callers. Every function talks to Twilio only through the official
client. The support line's webhooks (a Flask app) live in ``room_moderator.web``.
"""

from .announce import RoomNotLiveError, announce, announce_to_live_rooms
from .calls import Agent, add_agent, kick, mute_everyone_but
from .report import EndReport, end_reasons_report, format_report
from .rooms import Room, list_live_rooms
from .sweep import EndOutcome, SweepResult, end_room, end_stale_rooms

__all__ = [
    "Agent",
    "EndOutcome",
    "EndReport",
    "Room",
    "RoomNotLiveError",
    "SweepResult",
    "add_agent",
    "announce",
    "announce_to_live_rooms",
    "end_reasons_report",
    "end_room",
    "end_stale_rooms",
    "format_report",
    "kick",
    "list_live_rooms",
    "mute_everyone_but",
]
