"""The call centre end to end, every step through the app's real code and the fake.

A customer dials in through the app's TwiML (``fakeconf.dial_in``), waits in the
room named for the ticket, and the app rings agents with ``calls.create`` from the
room's status callbacks; agents join through their own TwiML; a warm transfer adds a
participant over the REST API and lets the first agent go. No stubs: what each test
arranges is the fake's (who is busy), what it asserts is what Twilio would hold
(calls, rooms, end reasons) and what the app received (its callback log).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from freezegun import freeze_time
from twilio.request_validator import RequestValidator

from call_centre import CallbackLog, Config, TicketDesk, create_app, voice, warm_transfer

BASE = "https://callcentre.example"
CENTRE = "+15005550006"  # the number agents see
SUPPORT_LINE = "+15005550010"  # a direct line: its voice URL is /lines/support
CUSTOMER = "+15551230001"
ANA, BEN, CHLOE = "+15551239001", "+15551239002", "+15551239003"  # support agents
AGENTS = {"sales": (CHLOE,), "support": (ANA, BEN, CHLOE)}


@pytest.fixture
def desk() -> TicketDesk:
    return TicketDesk()


@pytest.fixture
def log() -> CallbackLog:
    return CallbackLog()


@pytest.fixture
def config(fakeconf) -> Config:
    return Config.from_env(BASE, CENTRE, AGENTS)  # the fixture set TWILIO_ACCOUNT_SID/…TOKEN


@pytest.fixture
def app(fakeconf, config, desk, log):
    app = create_app(config, desk, log)
    fakeconf.route_webhooks(BASE, app)
    return app


def call_support(fakeconf):
    """The customer rings the support line; returns their participant in the ticket's room."""
    return fakeconf.dial_in(f"{BASE}/lines/support", from_=CUSTOMER, to=SUPPORT_LINE)


def agent_call(fakeconf, phone):
    """The (newest) call the app placed to ``phone``."""
    return next(c for c in fakeconf.calls if c.to == phone)


def room_log(log, ticket):
    return [(e.event, e.label) for e in log.room(ticket)]


def assert_every_webhook_signed_and_accepted(fakeconf):
    """Twilio's signature checks out independently of the app, and the app accepted each."""
    validator = RequestValidator(fakeconf.auth_token)
    for delivery in fakeconf.webhooks:
        signature = delivery.headers["X-Twilio-Signature"]
        assert validator.validate(delivery.url, dict(delivery.params), signature), delivery.url
        assert delivery.ok, (delivery.url, delivery.status_code, delivery.error)
    assert fakeconf.alerts == []


def test_the_menu_routes_a_customer_to_support_and_the_first_agent_ends_the_room(
    fakeconf, app, desk, log
):
    fakeconf.set_call_outcome(ANA, "answer", ring_for=dt.timedelta(seconds=8))
    with freeze_time("2024-05-01 09:00:00") as clock:
        fakeconf.dial_in(f"{BASE}/voice", from_=CUSTOMER, to=CENTRE, digits="2")

        (ticket,) = desk.tickets.values()
        customer = fakeconf.get_call(ticket.customer_call_sid)
        ana = agent_call(fakeconf, ANA)
        room = fakeconf.get_conference(ticket.conference_sid)
        # The customer waits alone (startConferenceOnEnter=false) while the agent's phone rings.
        assert (room.friendly_name, room.status) == ("ticket-1001", "init")
        assert (ana.status, ticket.ringing) == ("ringing", ana.sid)
        clock.tick(dt.timedelta(seconds=8))
        assert ana.status == "in-progress" and room.status == "in-progress"
        clock.tick(dt.timedelta(minutes=5))
        ana.hang_up()  # the agent is done

    assert (ticket.number, ticket.department) == (1001, "support")
    assert [(e.verb, e.text, e.source) for e in customer.log] == [
        ("Say", voice.MENU, "call"),
        ("Gather", "dtmf", "call"),
        ("Say", "Your ticket number is 1001. Please hold for the next agent.", "call"),
        ("Dial", "ticket-1001", "call"),
        ("Play", voice.HOLD_MUSIC, "wait"),  # the room's waitUrl, while alone
        ("Say", voice.THANKS, "call"),  # the room ended: the <Dial> was over, the next verb ran
    ]
    assert customer.log[1].answer == "2"
    # The waiting room, as the app wrote it.
    menu, waiting, hold = (
        d for d in fakeconf.webhooks if d.kind == "voice" and d.params["CallSid"] == customer.sid
    )
    assert [d.url for d in (menu, waiting, hold)] == [
        f"{BASE}/voice",
        f"{BASE}/menu",
        f"{BASE}/hold-music",  # resolved against the document's URL
    ]
    assert waiting.params["Digits"] == "2"
    conference = ET.fromstring(waiting.response_body).find("Dial/Conference")
    assert conference is not None and conference.text == "ticket-1001"
    assert conference.attrib["startConferenceOnEnter"] == "false"
    assert conference.attrib["endConferenceOnExit"] == "false"
    assert conference.attrib["waitUrl"] == "/hold-music"
    # The agent's leg: one REST create with answering machine detection, rung from the
    # customer's participant-join callback.
    (create,) = [r for r in fakeconf.requests if r.path.endswith("/Calls.json")]
    assert (create.method, create.params["To"], create.params["From"]) == ("POST", ANA, CENTRE)
    assert create.params["MachineDetection"] == "Enable"
    assert create.params["Url"] == f"{BASE}/agent?ticket=1001&agent=0"
    (agent_voice,) = [d for d in fakeconf.webhooks if d.url == create.params["Url"]]
    assert agent_voice.params["AnsweredBy"] == "human"
    assert [(e.verb, e.text) for e in ana.log] == [
        ("Say", "Ticket 1001, support."),
        ("Dial", "ticket-1001"),
    ]
    # Both calls, as /Calls holds them.
    assert (customer.direction, customer.from_, customer.to) == ("inbound", CUSTOMER, CENTRE)
    assert (ana.direction, ana.from_, ana.parent_call_sid) == ("outbound-api", CENTRE, None)
    assert ana.answered_by == "human"  # what AMD found
    assert (customer.status, ana.status) == ("completed", "completed")
    assert (customer.duration, ana.duration) == (308, 300)
    assert customer.conference_sid is None and ana.conference_sid is None  # both left
    # The room ended because the moderator agent left.
    assert room.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert room.call_sid_ending_conference == ana.sid
    assert ticket.reason_ended == "participant-with-end-conference-on-exit-left"
    assert room_log(log, 1001) == [
        ("participant-join", "customer"),
        ("participant-join", "agent-1"),
        ("conference-start", None),
        ("participant-leave", "agent-1"),
        ("participant-leave", "customer"),
        ("conference-end", None),
    ]
    assert log.call(ana.sid) == ["initiated", "ringing", "in-progress", "completed"]
    assert log.calls[-1].call_duration == 300
    assert ticket.served_by == [ana.sid]
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_key_1_is_sales(fakeconf, app, desk):
    fakeconf.dial_in(f"{BASE}/voice", from_=CUSTOMER, to=CENTRE, digits="1")

    (ticket,) = desk.tickets.values()
    assert ticket.department == "sales" and ticket.phones_tried == [CHLOE]
    chloe = agent_call(fakeconf, CHLOE)
    assert chloe.conference_sid == ticket.conference_sid and chloe.status == "in-progress"
    assert [(e.verb, e.text) for e in chloe.log] == [
        ("Say", "Ticket 1001, sales."),
        ("Dial", "ticket-1001"),
    ]
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_a_key_that_is_no_option_plays_the_menu_again(fakeconf, app, desk):
    fakeconf.dial_in(f"{BASE}/voice", from_=CUSTOMER, to=CENTRE, digits=["9", "2"])

    (ticket,) = desk.tickets.values()
    customer = fakeconf.get_call(ticket.customer_call_sid)
    assert ticket.department == "support"
    assert [(e.verb, e.answer) for e in customer.log if e.verb == "Gather"] == [
        ("Gather", "9"),
        ("Gather", "2"),
    ]
    assert ("Say", voice.NOT_AN_OPTION) in [(e.verb, e.text) for e in customer.log]
    assert customer.conference_sid == ticket.conference_sid
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_a_customer_who_presses_nothing_hears_the_menu_twice_then_goodbye(fakeconf, app, desk):
    with freeze_time("2024-05-01 09:00:00") as clock:
        assert fakeconf.dial_in(f"{BASE}/voice", from_=CUSTOMER, to=CENTRE) is None
        (customer,) = fakeconf.calls
        assert customer.gathering
        clock.tick(dt.timedelta(seconds=6))  # <Gather>'s timeout is 5 s
        assert customer.gathering  # the second time round
        clock.tick(dt.timedelta(seconds=6))
        assert customer.status == "completed"

    assert desk.tickets == {}
    assert [(e.verb, e.answer) for e in customer.log if e.verb == "Gather"] == [
        ("Gather", None),
        ("Gather", None),
    ]
    assert [e.text for e in customer.log if e.verb == "Say"][-1] == voice.NO_CHOICE
    assert [d.url for d in fakeconf.webhooks] == [f"{BASE}/voice", f"{BASE}/voice?retry=1"]
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_a_customer_who_presses_a_key_later_gets_a_ticket(fakeconf, app, desk):
    fakeconf.dial_in(f"{BASE}/voice", from_=CUSTOMER, to=CENTRE)
    (customer,) = fakeconf.calls
    assert customer.gathering and desk.tickets == {}

    customer.press("2")

    (ticket,) = desk.tickets.values()
    assert ticket.customer_call_sid == customer.sid
    assert (
        customer.conference_sid == ticket.conference_sid == agent_call(fakeconf, ANA).conference_sid
    )
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_busy_and_unanswered_agents_are_skipped(fakeconf, app, desk, log):
    fakeconf.set_call_outcome(ANA, "busy")
    fakeconf.set_call_outcome(BEN, "no-answer")

    customer = call_support(fakeconf)

    (ticket,) = desk.tickets.values()
    assert ticket.phones_tried == [ANA, BEN, CHLOE]
    ana, ben, chloe = (agent_call(fakeconf, p) for p in (ANA, BEN, CHLOE))
    assert (ana.status, ben.status, chloe.status) == ("busy", "no-answer", "in-progress")
    assert ana.start_time is None and ben.start_time is None  # never answered
    assert log.call(ana.sid)[-1] == "busy" and log.call(ben.sid)[-1] == "no-answer"
    room = fakeconf.get_conference(ticket.conference_sid)
    assert room.status == "in-progress"
    assert {p.call_sid for p in room.participants} == {customer.call_sid, chloe.sid}
    assert chloe.conference_sid == room.sid == customer.conference_sid
    assert ticket.agent_call_sid == chloe.sid
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_when_no_agent_answers_the_customer_is_turned_away(fakeconf, app, desk, log):
    for phone in (ANA, BEN, CHLOE):
        fakeconf.set_call_outcome(phone, "busy")

    call_support(fakeconf)

    (ticket,) = desk.tickets.values()
    customer = fakeconf.get_call(ticket.customer_call_sid)
    assert ticket.turned_away and ticket.served_by == []
    assert [agent_call(fakeconf, p).status for p in (ANA, BEN, CHLOE)] == ["busy"] * 3
    # The app moved the customer out of the room with new TwiML: the room ended with them.
    (update,) = [r for r in fakeconf.requests if r.path.endswith(f"/Calls/{customer.sid}.json")]
    assert voice.ALL_BUSY in update.params["Twiml"]
    assert customer.status == "completed" and customer.conference_sid is None
    room = fakeconf.get_conference(ticket.conference_sid)
    assert room.status == "completed"
    # A redirect takes the participant out like a kick: the fake's reading of Twilio's
    # reference (§4, UNVERIFIED there), not a hang-up.
    assert room.reason_conference_ended == "last-participant-kicked"
    assert room.call_sid_ending_conference == customer.sid
    assert log.room(1001)[-2].reason_participant_left == "participant_updated_via_api"
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_an_answering_machine_is_hung_up_and_the_next_agent_rung(fakeconf, app, desk, log):
    fakeconf.set_call_outcome(ANA, "answer", answered_by="machine_start")

    customer = call_support(fakeconf)

    (ticket,) = desk.tickets.values()
    ana, ben = agent_call(fakeconf, ANA), agent_call(fakeconf, BEN)
    assert (ana.answered_by, ana.status, ana.conference_sid) == ("machine_start", "completed", None)
    assert [e.verb for e in ana.log] == ["Hangup"]  # the app's answer to AnsweredBy
    (ana_voice,) = [
        d for d in fakeconf.webhooks if d.params.get("CallSid") == ana.sid and d.kind == "voice"
    ]
    assert ana_voice.params["AnsweredBy"] == "machine_start"
    assert log.call(ana.sid)[-1] == "completed"
    assert (ben.answered_by, ben.status) == ("human", "in-progress")
    assert ben.conference_sid == customer.conference_sid == ticket.conference_sid
    assert ticket.served_by == [ben.sid]
    assert [label for _, label in room_log(log, 1001)] == ["customer", "agent-2", None]
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_a_customer_who_hangs_up_while_the_agent_rings_ends_the_room(
    fakeconf, api_calls, app, desk, log
):
    fakeconf.set_call_outcome(ANA, "answer", ring_for=dt.timedelta(seconds=30))
    with freeze_time("2024-05-01 09:00:00") as clock:
        call_support(fakeconf)
        (ticket,) = desk.tickets.values()
        customer, ana = fakeconf.get_call(ticket.customer_call_sid), agent_call(fakeconf, ANA)
        clock.tick(dt.timedelta(seconds=10))
        assert ana.status == "ringing"

        customer.hang_up()

        clock.tick(dt.timedelta(seconds=30))  # past the ring: nobody answers a canceled call
        assert ana.status == "canceled"

    room = fakeconf.get_conference(ticket.conference_sid)
    assert room.reason_conference_ended == "last-participant-left"
    assert room.call_sid_ending_conference == customer.sid
    assert (customer.status, customer.duration) == ("completed", 10)
    assert ana.start_time is None and ana.conference_sid is None
    assert ticket.served_by == [] and ticket.ringing is None
    assert room_log(log, 1001)[-2:] == [("participant-leave", "customer"), ("conference-end", None)]
    assert log.room(1001)[-1].reason_conference_ended == "last-participant-left"
    assert log.call(ana.sid) == ["initiated", "ringing", "canceled"]
    assert ("POST", f"Calls/{ana.sid}.json", {"Status": "canceled"}) in api_calls()
    assert len(fakeconf.calls) == 2  # the canceled leg rang nobody else
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_warm_transfer_hands_the_customer_to_a_second_agent(
    fakeconf, client, api_calls, app, config, desk, log
):
    customer = call_support(fakeconf)
    (ticket,) = desk.tickets.values()
    ana = agent_call(fakeconf, ANA)

    ben_sid = warm_transfer(client, config, ticket, BEN)

    ben = fakeconf.get_call(ben_sid)
    assert (ben.direction, ben.to, ben.status) == ("outbound-api", BEN, "in-progress")
    assert ana.status == "completed"  # handed over: the first agent hung up …
    room = fakeconf.get_conference(ticket.conference_sid)
    assert room.status == "in-progress"  # … without ending the customer's room
    assert {p.call_sid for p in room.participants} == {customer.call_sid, ben_sid}
    assert ticket.agent_call_sid == ben_sid and ticket.served_by == [ana.sid, ben_sid]
    # The journal records a request once answered: the hand-over (participant update,
    # then the first agent's hang-up) ran inside the create, from BEN's participant-join.
    hand_over, hang_up, create = api_calls()[-3:]
    assert hand_over == (
        "POST",
        f"Conferences/{room.sid}/Participants/{ana.sid}.json",
        {"EndConferenceOnExit": "false"},
    )
    assert hang_up == ("POST", f"Calls/{ana.sid}.json", {"Status": "completed"})
    assert create[:2] == ("POST", f"Conferences/{room.sid}/Participants.json")
    assert {k: v for k, v in create[2].items() if k != "StatusCallbackEvent"} == {
        "From": CENTRE,
        "To": BEN,
        "Label": "agent-2",
        "StartConferenceOnEnter": "true",
        "EndConferenceOnExit": "true",
        "StatusCallback": f"{BASE}/call-events?ticket=1001&agent=1",
    }
    (create_request,) = [r for r in fakeconf.requests if r.path.endswith("/Participants.json")]
    events = [v for k, v in create_request.form if k == "StatusCallbackEvent"]
    assert events == ["initiated", "ringing", "answered", "completed"]

    ben.hang_up()

    assert room.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert room.call_sid_ending_conference == ben_sid
    assert fakeconf.get_call(customer.call_sid).status == "completed"
    assert room_log(log, 1001) == [
        ("participant-join", "customer"),
        ("participant-join", "agent-1"),
        ("conference-start", None),
        ("participant-join", "agent-2"),
        ("participant-leave", "agent-1"),
        ("participant-leave", "agent-2"),
        ("participant-leave", "customer"),
        ("conference-end", None),
    ]
    assert_every_webhook_signed_and_accepted(fakeconf)


def test_a_transfer_to_a_busy_agent_keeps_the_first_agent(fakeconf, client, app, config, desk, log):
    customer = call_support(fakeconf)
    (ticket,) = desk.tickets.values()
    ana = agent_call(fakeconf, ANA)
    fakeconf.set_call_outcome(BEN, "busy")

    ben_sid = warm_transfer(client, config, ticket, BEN)

    assert fakeconf.get_call(ben_sid).status == "busy"
    assert ticket.transfer_label is None and ticket.agent_call_sid == ana.sid
    assert ana.status == "in-progress"
    room = fakeconf.get_conference(ticket.conference_sid)
    assert {p.call_sid for p in room.participants} == {customer.call_sid, ana.sid}
    assert log.call(ben_sid)[-1] == "busy"
    assert_every_webhook_signed_and_accepted(fakeconf)


@pytest.mark.parametrize(
    "path",
    [
        "/voice",
        "/menu",
        "/lines/support",
        "/hold-music",
        "/agent?ticket=1001",
        "/conference-events?ticket=1001",
        "/call-events?ticket=1001",
    ],
)
def test_requests_not_signed_by_twilio_are_refused(fakeconf, app, desk, log, path):
    form = {"CallSid": "CA" + "0" * 32, "Digits": "2"}
    url = f"http://localhost{path}"
    forged = RequestValidator("someone-elses-token").compute_signature(url, form)
    http = app.test_client()

    assert http.post(path, data=form).status_code == 403
    assert http.post(path, data=form, headers={"X-Twilio-Signature": forged}).status_code == 403
    assert desk.tickets == {} and log.conference == [] and log.calls == []
