"""The support line's webhooks: the TwiML that answers callers, and the conference log.

``create_app(auth_token, log)`` builds the Flask app Twilio calls:

* ``POST /voice``: a caller rang the support number; the answer puts them in
  the "Support" room, labelled ``caller``.
* ``POST /conference-events``: the room's status callbacks, appended to ``log``.

Both check ``X-Twilio-Signature`` and answer 403 to a request Twilio did not sign.
Needs ``flask`` (the rest of the package does not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Dial, VoiceResponse

SUPPORT_ROOM = "Support"
CALLER_LABEL = "caller"
GREETING = "Thanks for calling. An agent will join you shortly."
ROOM_EVENTS = "start end join leave"


@dataclass(frozen=True)
class LoggedEvent:
    """One status callback of a room."""

    event: str  # StatusCallbackEvent: conference-start, participant-join, …
    conference_sid: str
    sequence_number: int
    call_sid: str | None = None  # the participant's, for participant-* events
    label: str | None = None
    reason_conference_ended: str | None = None  # conference-end only


@dataclass
class ConferenceLog:
    """Every status callback received, in arrival order."""

    entries: list[LoggedEvent] = field(default_factory=list)

    def record(self, entry: LoggedEvent) -> None:
        self.entries.append(entry)

    def of(self, conference_sid: str) -> list[LoggedEvent]:
        """One room's events in Twilio's order (``SequenceNumber``), whatever the arrival order."""
        events = [e for e in self.entries if e.conference_sid == conference_sid]
        return sorted(events, key=lambda e: e.sequence_number)


def support_twiml() -> str:
    """What a caller hears, then the room they wait in until an agent joins."""
    response = VoiceResponse()
    response.say(GREETING)
    dial = Dial()
    dial.conference(
        SUPPORT_ROOM,
        start_conference_on_enter=True,
        status_callback="/conference-events",
        status_callback_event=ROOM_EVENTS,
        participant_label=CALLER_LABEL,
    )
    response.append(dial)
    return str(response)


def create_app(auth_token: str, log: ConferenceLog) -> Flask:
    """The Flask app for the account whose auth token signs Twilio's requests."""
    app = Flask(__name__)
    validator = RequestValidator(auth_token)

    def signed_by_twilio(view: Callable[[], Response]) -> Callable[[], Response]:
        @wraps(view)
        def checked() -> Response:
            signature = request.headers.get("X-Twilio-Signature", "")
            if not validator.validate(request.url, request.form, signature):
                abort(403)
            return view()

        return checked

    @app.post("/voice")
    @signed_by_twilio
    def voice() -> Response:
        return Response(support_twiml(), mimetype="text/xml")

    @app.post("/conference-events")
    @signed_by_twilio
    def conference_events() -> Response:
        form = request.form
        log.record(
            LoggedEvent(
                event=form["StatusCallbackEvent"],
                conference_sid=form["ConferenceSid"],
                sequence_number=int(form["SequenceNumber"]),
                call_sid=form.get("CallSid"),
                label=form.get("ParticipantLabel"),
                reason_conference_ended=form.get("ReasonConferenceEnded"),
            )
        )
        return Response(status=204)

    return app
