"""What the centre asks Twilio to do: ring agents, hand a customer over, turn a caller away.

Every function takes the app's ``twilio.rest.Client``; none waits for Twilio: what
happens next arrives as status callbacks (``web.py``), which call these again.
"""

from __future__ import annotations

from twilio.rest import Client

from call_centre import voice
from call_centre.config import Config
from call_centre.tickets import Ticket

CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


def agent_label(index: int) -> str:
    """The participant label of the ``index``-th agent rung for a ticket (from 0)."""
    return f"agent-{index + 1}"


def ring_next_agent(client: Client, config: Config, ticket: Ticket) -> str | None:
    """Ring the department's next agent not yet tried for this ticket; None if none is left.

    Answering machine detection is on: Twilio's request for the agent's TwiML
    says who answered (``AnsweredBy``), and a machine is hung up (``web.py``).
    """
    tried = ticket.phones_tried
    phone = next((p for p in config.agents.get(ticket.department, ()) if p not in tried), None)
    if phone is None:
        return None
    index = len(tried)
    tried.append(phone)  # before the create: its callbacks may ring the one after
    query = f"ticket={ticket.number}&agent={index}"
    call = client.calls.create(
        to=phone,
        from_=config.caller_id,
        url=config.url(f"/agent?{query}"),
        machine_detection="Enable",
        status_callback=config.url(f"/call-events?{query}"),
        status_callback_event=CALL_EVENTS,
    )
    return str(call.sid)


def warm_transfer(client: Client, config: Config, ticket: Ticket, to: str) -> str:
    """Bring a second agent into the customer's room. Once they joined (their
    ``participant-join`` callback), :func:`hand_over` lets the first agent go."""
    assert ticket.conference_sid is not None, "the customer is not in a room yet"
    index = len(ticket.phones_tried)
    ticket.phones_tried.append(to)
    ticket.transfer_label = agent_label(index)
    participant = client.conferences(ticket.conference_sid).participants.create(
        from_=config.caller_id,
        to=to,
        label=ticket.transfer_label,
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        status_callback=config.url(f"/call-events?ticket={ticket.number}&agent={index}"),
        status_callback_event=CALL_EVENTS,
    )
    return str(participant.call_sid)


def hand_over(client: Client, ticket: Ticket, leaving: str) -> None:
    """The agent on ``leaving`` hangs up without ending the customer's room."""
    assert ticket.conference_sid is not None
    room = client.conferences(ticket.conference_sid)
    room.participants(leaving).update(end_conference_on_exit=False)
    client.calls(leaving).update(status="completed")


def turn_away(client: Client, ticket: Ticket) -> None:
    """Nobody could take the call: the customer leaves the room, hears why, and is hung up."""
    ticket.turned_away = True
    client.calls(ticket.customer_call_sid).update(twiml=voice.hang_up(voice.ALL_BUSY))


def stop_ringing(client: Client, call_sid: str) -> None:
    """Cancel an agent's leg still ringing (the customer left meanwhile)."""
    client.calls(call_sid).update(status="canceled")
