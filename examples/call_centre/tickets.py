"""Tickets: one per customer call, one conference each, and the callbacks the app received."""

from __future__ import annotations

from dataclasses import dataclass, field

FIRST_TICKET = 1001


@dataclass
class Ticket:
    """A customer waiting in (or served in) the conference named for the ticket."""

    number: int
    department: str  # "sales" | "support"
    customer_call_sid: str
    conference_sid: str | None = None  # known from the room's first status callback
    phones_tried: list[str] = field(default_factory=list)  # agents rung, in order
    ringing: str | None = None  # the agent leg rung and not yet in the room
    agent_call_sid: str | None = None  # the agent serving the customer now
    served_by: list[str] = field(default_factory=list)  # every agent leg that joined
    reason_ended: str | None = None  # the room's ReasonConferenceEnded
    turned_away: bool = False  # no agent could be reached
    transfer_label: str | None = None  # the agent a warm transfer brings in

    @property
    def conference_name(self) -> str:
        return f"ticket-{self.number}"

    @property
    def waiting(self) -> bool:
        """The customer is in the room with no agent, and not turned away."""
        return self.agent_call_sid is None and self.reason_ended is None and not self.turned_away


@dataclass
class TicketDesk:
    """Every ticket opened, by number."""

    tickets: dict[int, Ticket] = field(default_factory=dict)

    def open(self, department: str, customer_call_sid: str) -> Ticket:
        number = FIRST_TICKET + len(self.tickets)
        ticket = Ticket(number, department, customer_call_sid)
        self.tickets[number] = ticket
        return ticket

    def get(self, number: int) -> Ticket:
        return self.tickets[number]

    def for_customer(self, call_sid: str) -> Ticket | None:
        return next((t for t in self.tickets.values() if t.customer_call_sid == call_sid), None)


@dataclass(frozen=True)
class ConferenceEvent:
    """One conference status callback."""

    ticket: int
    event: str  # StatusCallbackEvent: conference-start, participant-join, …
    conference_sid: str
    sequence_number: int
    call_sid: str | None = None  # participant-* events
    label: str | None = None
    reason_conference_ended: str | None = None  # conference-end
    reason_participant_left: str | None = None  # participant-leave


@dataclass(frozen=True)
class CallEvent:
    """One status callback of an agent's call."""

    ticket: int
    call_sid: str
    call_status: str  # initiated, ringing, in-progress, completed, busy, no-answer, …
    sequence_number: int
    answered_by: str | None = None
    call_duration: int | None = None  # seconds, on the final callback


@dataclass
class CallbackLog:
    """Every status callback the app received, in arrival order."""

    conference: list[ConferenceEvent] = field(default_factory=list)
    calls: list[CallEvent] = field(default_factory=list)

    def room(self, ticket: int) -> list[ConferenceEvent]:
        """One room's events in Twilio's order (``SequenceNumber``)."""
        return sorted(
            (e for e in self.conference if e.ticket == ticket), key=lambda e: e.sequence_number
        )

    def call(self, call_sid: str) -> list[str]:
        """One call's ``CallStatus`` values, in Twilio's order."""
        events = sorted(
            (e for e in self.calls if e.call_sid == call_sid), key=lambda e: e.sequence_number
        )
        return [e.call_status for e in events]
