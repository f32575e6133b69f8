"""Edges of the core's rules and stores: list filters combined so that the index
walked is not the one that decides, operations refused on calls and participants in
the wrong state, machine detection's mapping, and the core operations' own argument
checks (what a scripting caller gets for a value no HTTP request can carry).
References are to shared/reference/twilio-calls-and-twiml.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pytest
import requests
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio, TwilioError
from pytest_fakeconf.core.backend import Backend
from pytest_fakeconf.core.call_store import Call
from pytest_fakeconf.core.events import Event
from pytest_fakeconf.core.index import KeyIndex
from pytest_fakeconf.core.participant_store import Dial
from pytest_fakeconf.core.sids import SidSource

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
CALLER = "+15017122661"
OTHER_CALLER = "+15017122662"
A = "+15550000001"
B = "+15550000002"
C = "+15550000003"


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(T0) as factory:
        assert isinstance(factory, FrozenDateTimeFactory)
        yield factory


@pytest.fixture
def backend() -> Backend:
    return Backend(SidSource(11))


@pytest.fixture
def account(backend: Backend) -> str:
    return backend.add_account().sid


def leg(client: Client, to: str, from_: str = CALLER, room: str = "Room") -> str:
    """A Participants API leg (a REST call with no TwiML): its call SID."""
    created = client.conferences(room).participants.create(from_=from_, to=to)
    assert created.call_sid is not None
    return str(created.call_sid)


def listed(http: requests.Session, account_url: str, **params: str) -> set[str]:
    response = http.get(f"{account_url}/Calls.json", params=params)
    assert response.status_code == 200, response.text
    return {c["sid"] for c in response.json()["calls"]}


def inbound(backend: Backend, account: str, to: str = A) -> Call:
    return backend.calls.receive(account, to=to, from_=CALLER, url="https://app.example/v")


def kinds(events: Iterable[Event]) -> list[str]:
    return [e.kind for e in events]


# -- call list filters: the walked index is the smallest, the others still filter -------


def test_a_to_and_from_filter_keeps_only_calls_matching_both(
    client: Client, http: requests.Session, account_url: str, frozen: FrozenDateTimeFactory
) -> None:
    a_from_other = [leg(client, A, OTHER_CALLER), leg(client, A, OTHER_CALLER)]
    b_from_caller = leg(client, B, CALLER)
    a_from_caller = leg(client, A, CALLER)
    # From=CALLER has two calls, To=A three: the From index is walked; To still filters.
    assert listed(http, account_url, To=A, From=CALLER) == {a_from_caller}
    # To=B has one call, From=OTHER two: the To index is walked; From still filters.
    assert listed(http, account_url, To=B, From=OTHER_CALLER) == set()
    assert listed(http, account_url, To=A, From=OTHER_CALLER) == set(a_from_other)
    through_client = client.calls.list(to=B, from_=CALLER)
    assert [c.sid for c in through_client] == [b_from_caller]


def test_a_status_and_to_filter_keeps_only_calls_with_that_status(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    frozen: FrozenDateTimeFactory,
) -> None:
    fakeconf.set_call_outcome(B, "busy")
    busy = [leg(client, B, room=f"Busy{i}") for i in range(3)]
    answered = leg(client, A)
    # To=A has one call (in progress), Status=busy three: To is walked, Status filters.
    assert listed(http, account_url, To=A, Status="busy") == set()
    assert listed(http, account_url, To=A, Status="in-progress") == {answered}
    assert listed(http, account_url, To=B, Status="busy") == set(busy)
    assert [c.sid for c in client.calls.list(to=A, status="in-progress")] == [answered]


def dialling_app(numbers: tuple[str, ...]) -> object:
    twiml = "<Response><Dial>" + "".join(f"<Number>{n}</Number>" for n in numbers) + "</Dial>"
    body = (twiml + "</Response>").encode()

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/xml")])  # type: ignore[operator]
        return [body]

    return app


def test_a_parent_and_to_filter_keeps_only_the_children_of_that_parent(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    fakeconf.set_call_outcome(B, "busy")  # the Dial rings its next number, C, after B
    fakeconf.route_webhooks("https://pbx.example.com", dialling_app((B, C)))  # type: ignore[arg-type]
    assert fakeconf.dial_in("https://pbx.example.com/voice", from_=CALLER, to=A) is None
    (parent,) = [c for c in fakeconf.calls if c.direction == "inbound"]
    children = {c.to: c.sid for c in fakeconf.calls if c.parent_call_sid == parent.sid}
    assert set(children) == {B, C}
    stranger = leg(client, B)  # a call to B that no one dialled
    # To=B has two calls, ParentCallSid two: whichever is walked, the other filters.
    assert listed(http, account_url, To=B, ParentCallSid=parent.sid) == {children[B]}
    lone = leg(client, "+15550000009")
    assert listed(http, account_url, To="+15550000009", ParentCallSid=parent.sid) == set()
    assert {stranger, lone}.isdisjoint(listed(http, account_url, ParentCallSid=parent.sid))


# -- machine detection ---------------------------------------------------------------------


def test_detect_message_end_reports_a_machine_start_number_as_machine_end_other(
    fakeconf: FakeTwilio, client: Client
) -> None:
    # FIDELITY: F66 (a GUESS): machine_start belongs to Enable; the end of the message
    # is what DetectMessageEnd waits for.
    fakeconf.set_call_outcome(A, "answer", answered_by="machine_start")
    created = client.conferences("Room").participants.create(
        from_=CALLER, to=A, machine_detection="DetectMessageEnd"
    )
    assert client.calls(created.call_sid).fetch().answered_by == "machine_end_other"
    enabled = client.conferences("Room").participants.create(
        from_=CALLER, to=A, machine_detection="Enable"
    )
    assert client.calls(enabled.call_sid).fetch().answered_by == "machine_start"


# -- call updates in the wrong state ----------------------------------------------------------


def test_a_time_limit_for_an_ended_call_is_21220(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    sid = leg(client, A)
    client.calls(sid).update(status="completed")
    with pytest.raises(TwilioRestException) as refused:
        client.calls(sid).update(time_limit=30)
    assert (refused.value.status, refused.value.code) == (400, 21220)
    response = http.post(f"{account_url}/Calls/{sid}.json", data={"TimeLimit": "30"})
    assert response.status_code == 400 and response.json()["code"] == 21220


def test_a_time_limit_given_while_ringing_runs_from_the_answer(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    fakeconf.set_call_outcome(A, "answer", ring_for=dt.timedelta(seconds=20))
    call = client.calls.create(
        to=A,
        from_=CALLER,
        twiml="<Response><Gather timeout='60' action='https://app.example/g'/></Response>",
    )
    assert client.calls(call.sid).fetch().status == "ringing"
    client.calls(call.sid).update(time_limit=30)
    frozen.tick(dt.timedelta(seconds=20))
    assert client.calls(call.sid).fetch().status == "in-progress"  # answered at T0+20
    frozen.tick(dt.timedelta(seconds=29))
    assert client.calls(call.sid).fetch().status == "in-progress"
    frozen.tick(dt.timedelta(seconds=1))
    ended = client.calls(call.sid).fetch()
    assert (ended.status, ended.duration) == ("completed", "30")


def test_the_core_update_refuses_a_status_it_cannot_set(backend: Backend, account: str) -> None:
    call = inbound(backend, account)
    with pytest.raises(ValueError, match="completed or canceled"):
        backend.calls.update(call, status="busy")
    assert call.status == "in-progress"


# -- the core's own argument checks for a new call ----------------------------------------------


@pytest.mark.parametrize(
    ("extra", "error", "match"),
    [
        ({"sid": "CA123"}, ValueError, "sid must be 'CA'"),
        ({"parent_call_sid": "PA" + "0" * 32}, ValueError, "parent_call_sid"),
        ({"timeout": 601}, ValueError, "at most 600"),
        ({"timeout": 0}, ValueError, "at least 1 second"),
        ({"timeout": "30"}, TypeError, "whole seconds"),
        ({"timeout": True}, TypeError, "whole seconds"),
        ({"time_limit": 0}, ValueError, "at least 1 second"),
    ],
)
def test_the_core_refuses_a_new_call_with_bad_arguments(
    backend: Backend, account: str, extra: dict[str, object], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        backend.calls.create(account, to=A, from_=CALLER, direction="outbound-api", **extra)  # type: ignore[arg-type]
    assert list(backend.call_store(account).newest_first()) == []


def test_the_core_refuses_a_second_call_with_the_same_sid(backend: Backend, account: str) -> None:
    sid = "CA" + "ab" * 16
    first = backend.calls.create(account, to=A, from_=CALLER, direction="outbound-api", sid=sid)
    with pytest.raises(ValueError, match="already exists"):
        backend.calls.create(account, to=B, from_=CALLER, direction="outbound-api", sid=sid)
    assert list(backend.call_store(account).newest_first()) == [first]


# -- reject (the <Reject> verb's operation) -----------------------------------------------------


def test_rejecting_a_call_in_a_conference_kicks_its_participant_and_ends_it_busy(
    backend: Backend, account: str
) -> None:
    call = inbound(backend, account)
    joined = backend.participants.join(account, "Room", Dial(call_sid=call.sid))
    backend.participants.join(account, "Room", Dial(to=B))
    backend.calls.reject(call, "busy")
    assert joined.participant.status == "complete"
    assert (call.status, call.start_time, call.conference_sid) == ("busy", None, None)
    leave = [e for e in backend.events if e.kind == "participant-leave"][-1]
    assert leave.data["reason_participant_left"] == "participant_updated_via_api"
    with pytest.raises(TwilioError) as again:
        backend.calls.reject(call, "no-answer")
    assert again.value.code == 21220


def test_rejecting_a_rest_leg_in_a_conference_ends_it_completed_with_its_participant(
    backend: Backend, account: str
) -> None:
    joined = backend.participants.join(account, "Room", Dial(to=A))
    call = backend.call_of(joined.participant)
    assert not call.twiml_driven and call.status == "in-progress"
    backend.calls.reject(call, "busy")
    # Kicked, a leg with no TwiML to go on with hangs up (completed) before the reject.
    assert (call.status, joined.participant.status) == ("completed", "complete")


# -- joins refused by the core ---------------------------------------------------------------


def test_an_ended_call_cannot_be_added_to_a_conference(
    fakeconf: FakeTwilio, client: Client
) -> None:
    sid = leg(client, A, room="First")
    client.calls(sid).update(status="completed")
    room = fakeconf.create_conference("Second")
    with pytest.raises(ValueError, match="cannot join a conference"):
        room.add_participant(call_sid=sid)
    assert room.participants == []


def test_a_call_already_in_a_conference_cannot_be_added_to_another(
    fakeconf: FakeTwilio, client: Client
) -> None:
    sid = leg(client, A, room="First")
    room = fakeconf.create_conference("Second")
    with pytest.raises(ValueError, match="already in conference"):
        room.add_participant(call_sid=sid)
    assert room.participants == []
    assert client.calls(sid).fetch().status == "in-progress"


def test_a_participant_named_by_a_call_sid_that_is_not_one_is_refused(
    fakeconf: FakeTwilio,
) -> None:
    room = fakeconf.create_conference("Room")
    with pytest.raises(ValueError, match="call_sid must be 'CA'"):
        room.add_participant(call_sid="CA-not-hex")
    assert room.participants == []


# -- participants in the wrong state --------------------------------------------------------------


def test_updating_a_participant_that_left_is_refused_with_twilios_error(
    fakeconf: FakeTwilio,
) -> None:
    room = fakeconf.create_conference("Room")
    stays = room.add_participant()
    gone = room.add_participant()
    gone.kick()
    with pytest.raises(TwilioError) as refused:
        gone.update(muted=True)
    assert refused.value.status == 404
    assert (gone.muted, stays.status) == (False, "connected")


def test_setting_a_participant_option_to_its_current_value_is_no_modify_event(
    fakeconf: FakeTwilio,
) -> None:
    room = fakeconf.create_conference("Room")
    p = room.add_participant()
    p.update(wait_url="https://app.example/wait")
    first = kinds(fakeconf.events).count("participant-modify")
    p.update(wait_url="https://app.example/wait")
    assert kinds(fakeconf.events).count("participant-modify") == first == 1


# -- recordings deleted while processing -------------------------------------------------------


@pytest.mark.fakeconf(recording_processing=dt.timedelta(seconds=30))
def test_a_recording_deleted_while_processing_never_completes(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    client.conferences("Board").participants.create(
        from_=CALLER, to=A, conference_record="record-from-start"
    )
    frozen.tick(dt.timedelta(seconds=10))
    joined = client.conferences("Board").participants.create(from_=CALLER, to=B)
    frozen.tick(dt.timedelta(seconds=10))
    client.conferences(joined.conference_sid).update(status="completed")
    (recording,) = client.conferences(joined.conference_sid).recordings.list()
    assert recording.status == "processing"
    assert client.conferences(joined.conference_sid).recordings(recording.sid).delete()
    frozen.tick(dt.timedelta(seconds=60))
    assert client.recordings.list() == []
    assert "recording-completed" not in kinds(fakeconf.events)
    assert "recording-absent" not in kinds(fakeconf.events)


# -- conference list: a date-updated filter with a smaller name index --------------------------


def test_a_name_and_date_updated_filter_drops_the_named_conference_updated_before(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    day1 = dt.datetime(2024, 5, 1, 12, tzinfo=UTC)
    day3 = dt.datetime(2024, 5, 3, 12, tzinfo=UTC)
    early = fakeconf.create_conference("Named", date_created=day1)
    later = [fakeconf.create_conference(f"Other{i}", date_created=day3) for i in range(3)]
    params = {"FriendlyName": "Named", "DateUpdated>": "2024-05-02"}
    response = http.get(f"{account_url}/Conferences.json", params=params)
    assert response.status_code == 200 and response.json()["conferences"] == []
    params = {"FriendlyName": "Named", "DateUpdated>": "2024-04-30"}
    response = http.get(f"{account_url}/Conferences.json", params=params)
    assert [c["sid"] for c in response.json()["conferences"]] == [early.sid]
    assert (
        client.conferences.list(date_updated_after=dt.date(2024, 5, 2), friendly_name="Named") == []
    )
    assert len(later) == 3


# -- the core's conferences ------------------------------------------------------------------


def test_the_list_default_is_what_the_fake_was_built_with() -> None:
    with FakeTwilio(conference_list_default="all") as fake:
        assert fake._backend.conferences.list_default == "all"
    assert Backend(SidSource(1)).conferences.list_default == "in-progress"


def test_an_ended_conference_cannot_end_before_it_was_created(
    backend: Backend, account: str
) -> None:
    with pytest.raises(ValueError, match="is before date_created"):
        backend.conferences.create_ended(
            account, "Past", date_created=T0, ended_at=T0 - dt.timedelta(seconds=1)
        )
    assert len(backend.conference_store(account)) == 0
    backend.conferences.create_ended(account, "Past", date_created=T0, ended_at=T0)
    assert len(backend.conference_store(account)) == 1


# -- the sorted key index ---------------------------------------------------------------------


def test_removing_a_key_the_index_does_not_hold_leaves_it_unchanged() -> None:
    index = KeyIndex.of([(1, 1), (2, 2), (4, 4)])
    index.remove((3, 3))  # between two keys
    index.remove((9, 9))  # past the last
    assert len(index) == 3
    index.remove((2, 2))
    lo, hi = index.span(None, None)
    assert list(index.ascending(lo, hi)) == [(1, 1), (4, 4)]
