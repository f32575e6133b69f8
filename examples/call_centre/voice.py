"""The TwiML the centre answers with, built with the twilio library's ``VoiceResponse``.

Relative URLs are resolved by Twilio against the document's own URL.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, VoiceResponse

from call_centre.config import DEPARTMENTS
from call_centre.tickets import Ticket

MENU = "For sales, press 1. For support, press 2."
NOT_AN_OPTION = "Sorry, that is not an option."
NO_CHOICE = "We did not get your choice. Goodbye."
THANKS = "Thank you for calling. Goodbye."
ALL_BUSY = "All our agents are busy. Please call again later."
CUSTOMER_GONE = "The customer has hung up."
HOLD_MUSIC = "https://callcentre.example/static/hold.mp3"
ROOM_EVENTS = "start end join leave"
CUSTOMER_LABEL = "customer"
MACHINE = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax")


def menu(*, retry: bool = False) -> str:
    """The greeting: one key chooses the department. No key: once more, then goodbye."""
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action="/menu", method="POST")
    gather.say(MENU)
    if retry:
        response.say(NO_CHOICE)
        response.hangup()
    else:
        response.redirect("/voice?retry=1")
    return str(response)


def department_for(digits: str) -> str | None:
    """Key 1 is sales, key 2 support; anything else is no department."""
    index = int(digits) - 1 if digits.isdigit() else -1
    return DEPARTMENTS[index] if 0 <= index < len(DEPARTMENTS) else None


def not_an_option() -> str:
    response = VoiceResponse()
    response.say(NOT_AN_OPTION)
    response.redirect("/voice")
    return str(response)


def waiting_room(ticket: Ticket) -> str:
    """The customer waits (hold music) in the ticket's room until an agent starts it;
    when the room ends the customer hears the thanks and the call ends."""
    response = VoiceResponse()
    response.say(f"Your ticket number is {ticket.number}. Please hold for the next agent.")
    dial = Dial()
    dial.conference(
        ticket.conference_name,
        start_conference_on_enter=False,
        end_conference_on_exit=False,
        wait_url="/hold-music",
        status_callback=f"/conference-events?ticket={ticket.number}",
        status_callback_event=ROOM_EVENTS,
        participant_label=CUSTOMER_LABEL,
    )
    response.append(dial)
    response.say(THANKS)
    return str(response)


def hold_music() -> str:
    response = VoiceResponse()
    response.play(HOLD_MUSIC, loop=0)
    return str(response)


def agent_joins(ticket: Ticket, label: str) -> str:
    """An agent who answered: told the ticket, then in the room, which they start and end."""
    response = VoiceResponse()
    response.say(f"Ticket {ticket.number}, {ticket.department}.")
    dial = Dial()
    dial.conference(
        ticket.conference_name,
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        participant_label=label,
    )
    response.append(dial)
    return str(response)


def hang_up(words: str | None = None) -> str:
    response = VoiceResponse()
    if words:
        response.say(words)
    response.hangup()
    return str(response)
