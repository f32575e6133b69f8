"""room_moderator: keeps a Twilio account's conference rooms tidy.

Given a :class:`twilio.rest.Client` it lists live rooms, ends rooms that have
run for too long, announces messages into rooms and reports how finished rooms
ended. Every function talks to Twilio only through the official client.
"""

from .announce import RoomNotLiveError, announce, announce_to_live_rooms
from .report import EndReport, end_reasons_report, format_report
from .rooms import Room, list_live_rooms
from .sweep import EndOutcome, SweepResult, end_room, end_stale_rooms

__all__ = [
    "EndOutcome",
    "EndReport",
    "Room",
    "RoomNotLiveError",
    "SweepResult",
    "announce",
    "announce_to_live_rooms",
    "end_reasons_report",
    "end_room",
    "end_stale_rooms",
    "format_report",
    "list_live_rooms",
]
