"""Announcements: a TwiML URL that Twilio plays into a live room."""

from __future__ import annotations

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from .rooms import DEFAULT_PAGE_SIZE, Room, stream_live_rooms

ANNOUNCE_METHODS = ("GET", "POST")
CONFERENCE_NOT_ACTIVE = 16001  # Twilio's error code for "conference is not active"


class RoomNotLiveError(RuntimeError):
    """The room has already ended (or never existed), so nobody can hear the message."""

    def __init__(self, sid: str, detail: str) -> None:
        super().__init__(f"room {sid} is not live: {detail}")
        self.sid = sid


def announce(client: Client, sid: str, url: str, *, method: str = "POST") -> Room:
    """Play the TwiML at ``url`` into room ``sid``; returns the room as Twilio reports it."""
    method = method.upper()
    if method not in ANNOUNCE_METHODS:
        raise ValueError(f"method must be GET or POST, got {method!r}")
    try:
        conference = client.conferences(sid).update(announce_url=url, announce_method=method)
    except TwilioRestException as error:
        if error.status == 404 or error.code == CONFERENCE_NOT_ACTIVE:
            raise RoomNotLiveError(sid, error.msg) from error
        raise
    return Room.from_instance(conference)


def announce_to_live_rooms(
    client: Client,
    url: str,
    *,
    method: str = "POST",
    friendly_name: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> list[str]:
    """Announce ``url`` into every live room (or every live room of that name).

    Returns the SIDs announced into; a room that ends before its turn is skipped.
    """
    rooms = list(stream_live_rooms(client, friendly_name=friendly_name, page_size=page_size))
    announced = []
    for room in rooms:
        try:
            announce(client, room.sid, url, method=method)
        except RoomNotLiveError:
            continue
        announced.append(room.sid)
    return announced
