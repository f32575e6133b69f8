"""The Flask app Twilio calls: voice webhooks (TwiML answers) and status callbacks.

* ``POST /voice``: a customer rang the centre's number: the menu (``<Gather>``).
* ``POST /menu``: the key pressed (``Digits``): a ticket, and its waiting room.
* ``POST /lines/<department>``: a department's direct number: the waiting room at once.
* ``POST /hold-music``: the room's ``waitUrl``.
* ``POST /agent?ticket=N&agent=I``: an agent's call was answered: the room, or a hang-up
  when a machine answered (``AnsweredBy``) or the customer is gone.
* ``POST /conference-events?ticket=N``: the room's callbacks: the customer's join rings
  the first agent, a transferred agent's join lets the first one go, the end is recorded.
* ``POST /call-events?ticket=N&agent=I``: an agent's call progress: a leg that ended
  without joining (busy, no answer, a machine) rings the next agent; none left turns
  the customer away.

Every request must carry a valid ``X-Twilio-Signature`` (403 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

from call_centre import voice
from call_centre.config import DEPARTMENTS, Config
from call_centre.dispatch import agent_label, hand_over, ring_next_agent, stop_ringing, turn_away
from call_centre.tickets import CallbackLog, CallEvent, ConferenceEvent, Ticket, TicketDesk

FINAL_CALL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")


def _twiml(document: str) -> Response:
    return Response(document, mimetype="text/xml")


def _optional_int(value: str | None) -> int | None:
    return int(value) if value else None


def create_app(config: Config, desk: TicketDesk, log: CallbackLog) -> Flask:
    """The centre's app: ``desk`` holds its tickets, ``log`` every status callback."""
    app = Flask(__name__)
    validator = RequestValidator(config.auth_token)
    client = config.client()

    def signed_by_twilio(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def checked(**kwargs: str) -> Response:
            signature = request.headers.get("X-Twilio-Signature", "")
            if not validator.validate(request.url, request.form, signature):
                abort(403)
            return view(**kwargs)

        return checked

    def ticket_of_request() -> Ticket:
        number = request.args.get("ticket", "")
        if not number.isdigit() or int(number) not in desk.tickets:
            abort(404)
        return desk.get(int(number))

    def open_ticket(department: str) -> Response:
        ticket = desk.open(department, request.form["CallSid"])
        return _twiml(voice.waiting_room(ticket))

    def ring_or_turn_away(ticket: Ticket) -> None:
        if ring_next_agent(client, config, ticket) is None:
            turn_away(client, ticket)

    @app.post("/voice")
    @signed_by_twilio
    def greeting() -> Response:
        return _twiml(voice.menu(retry=request.args.get("retry") == "1"))

    @app.post("/menu")
    @signed_by_twilio
    def menu_choice() -> Response:
        department = voice.department_for(request.form.get("Digits", ""))
        if department is None:
            return _twiml(voice.not_an_option())
        return open_ticket(department)

    @app.post("/lines/<department>")
    @signed_by_twilio
    def direct_line(department: str) -> Response:
        if department not in DEPARTMENTS:
            abort(404)
        return open_ticket(department)

    @app.post("/hold-music")
    @signed_by_twilio
    def hold_music() -> Response:
        return _twiml(voice.hold_music())

    @app.post("/agent")
    @signed_by_twilio
    def agent_answered() -> Response:
        ticket = ticket_of_request()
        if request.form.get("AnsweredBy") in voice.MACHINE:
            return _twiml(voice.hang_up())  # its completed callback rings the next agent
        if ticket.reason_ended is not None or ticket.turned_away:
            return _twiml(voice.hang_up(voice.CUSTOMER_GONE))
        index = int(request.args.get("agent", "0"))
        return _twiml(voice.agent_joins(ticket, agent_label(index)))

    @app.post("/conference-events")
    @signed_by_twilio
    def conference_events() -> Response:
        ticket = ticket_of_request()
        form = request.form
        event = ConferenceEvent(
            ticket=ticket.number,
            event=form["StatusCallbackEvent"],
            conference_sid=form["ConferenceSid"],
            sequence_number=int(form["SequenceNumber"]),
            call_sid=form.get("CallSid"),
            label=form.get("ParticipantLabel"),
            reason_conference_ended=form.get("ReasonConferenceEnded"),
            reason_participant_left=form.get("ReasonParticipantLeft"),
        )
        log.conference.append(event)
        if event.event == "participant-join" and event.label == voice.CUSTOMER_LABEL:
            ticket.conference_sid = event.conference_sid
            ring_or_turn_away(ticket)
        elif event.event == "participant-join" and event.call_sid:
            previous, ticket.agent_call_sid = ticket.agent_call_sid, event.call_sid
            ticket.served_by.append(event.call_sid)
            if previous is not None and event.label == ticket.transfer_label:
                ticket.transfer_label = None
                hand_over(client, ticket, previous)
        elif event.event == "conference-end":
            ticket.reason_ended = event.reason_conference_ended
            if ticket.ringing is not None:
                stop_ringing(client, ticket.ringing)
        return Response(status=204)

    @app.post("/call-events")
    @signed_by_twilio
    def call_events() -> Response:
        ticket = ticket_of_request()
        form = request.form
        event = CallEvent(
            ticket=ticket.number,
            call_sid=form["CallSid"],
            call_status=form["CallStatus"],
            sequence_number=int(form["SequenceNumber"]),
            answered_by=form.get("AnsweredBy"),
            call_duration=_optional_int(form.get("CallDuration")),
        )
        log.calls.append(event)
        if event.call_status in ("initiated", "ringing"):
            ticket.ringing = event.call_sid
        elif event.call_status == "in-progress" and ticket.ringing == event.call_sid:
            ticket.ringing = None
        elif event.call_status in FINAL_CALL_STATUSES:
            if ticket.ringing == event.call_sid:
                ticket.ringing = None
            if event.call_sid not in ticket.served_by:
                agent = agent_label(int(request.args.get("agent", "0")))
                if agent == ticket.transfer_label:
                    ticket.transfer_label = None  # the transfer failed: the first agent stays
                elif ticket.waiting:
                    ring_or_turn_away(ticket)
        return Response(status=204)

    return app
