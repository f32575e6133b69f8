"""A call centre on Twilio Conferences: a menu, a room per ticket, agents rung in turn.

* ``config.py``: who the agents are, the app's public URL, the credentials.
* ``tickets.py``: the tickets (one conference each) and what happened to them.
* ``voice.py``: the TwiML the customer and the agents hear.
* ``dispatch.py``: the REST calls: ring the next agent, warm transfer, turn a caller away.
* ``web.py``: the Flask app Twilio calls (voice webhooks and status callbacks).
"""

from call_centre.config import Config
from call_centre.dispatch import ring_next_agent, turn_away, warm_transfer
from call_centre.tickets import CallbackLog, Ticket, TicketDesk
from call_centre.web import create_app

__all__ = [
    "CallbackLog",
    "Config",
    "Ticket",
    "TicketDesk",
    "create_app",
    "ring_next_agent",
    "turn_away",
    "warm_transfer",
]
