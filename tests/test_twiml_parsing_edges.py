"""Edges of the TwiML document model, through ``fakeconf.dial_in``: the verbs and nouns
Twilio refuses with 12200 "Schema validation warning" (nothing joins, nothing is
dialled), ``<Client><Identity>``, and the answers ``dial_in`` takes for a ``<Gather>``.
References are to shared/reference/twilio-calls-and-twiml.md (§3.3 ``<Dial>``:
"<Number> (≤10, simultaneous)", "<Client> (≤10)"; ``<Reject reason>`` rejected|busy;
``<Conference>`` names of 1 to 128 characters)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from pytest_fakeconf import FakeTwilio, TwilioError

BASE = "https://app.example.com"
VOICE = f"{BASE}/voice"
CALLER = "+15017122661"
LINE = "+15558675310"


class Served:
    """A WSGI app answering every path with one document."""

    def __init__(self) -> None:
        self.body = b""

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [self.body]


@pytest.fixture
def served(fakeconf: FakeTwilio) -> Served:
    app = Served()
    fakeconf.route_webhooks(BASE, app)
    return app


def refused_12200(fakeconf: FakeTwilio, served: Served, document: str) -> TwilioError:
    served.body = document.encode()
    with pytest.raises(TwilioError) as caught:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert caught.value.code == 12200
    assert fakeconf.conferences == []
    assert [c.direction for c in fakeconf.calls] == ["inbound"]  # nothing was dialled
    assert [a.code for a in fakeconf.alerts] == [12200]
    return caught.value


@pytest.mark.parametrize("reason", ["declined", "BUSY", ""])
def test_a_reject_reason_other_than_rejected_or_busy_is_12200(
    fakeconf: FakeTwilio, served: Served, reason: str
) -> None:
    error = refused_12200(fakeconf, served, f'<Response><Reject reason="{reason}"/></Response>')
    assert "rejected or busy" in str(error)


@pytest.mark.parametrize(
    "noun", ["<Number></Number>", "<Number>   </Number>", "<Client/>", "<Sip> </Sip>"]
)
def test_a_dialled_noun_without_a_destination_is_12200(
    fakeconf: FakeTwilio, served: Served, noun: str
) -> None:
    error = refused_12200(fakeconf, served, f"<Response><Dial>{noun}</Dial></Response>")
    assert "needs a destination" in str(error)


def test_a_client_with_an_empty_identity_has_no_destination(
    fakeconf: FakeTwilio, served: Served
) -> None:
    document = "<Response><Dial><Client><Identity> </Identity></Client></Dial></Response>"
    assert "needs a destination" in str(refused_12200(fakeconf, served, document))


def test_a_dial_of_eleven_numbers_is_12200(fakeconf: FakeTwilio, served: Served) -> None:
    numbers = "".join(f"<Number>+1555000{i:04d}</Number>" for i in range(11))
    error = refused_12200(fakeconf, served, f"<Response><Dial>{numbers}</Dial></Response>")
    assert "at most 10" in str(error)


def test_a_dial_of_ten_numbers_is_accepted(fakeconf: FakeTwilio, served: Served) -> None:
    numbers = "".join(f"<Number>+1555000{i:04d}</Number>" for i in range(10))
    served.body = f"<Response><Dial>{numbers}</Dial></Response>".encode()
    assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE) is None
    assert [a.code for a in fakeconf.alerts if a.error is not None] == []
    assert [c.to for c in fakeconf.calls if c.direction == "outbound-dial"] == ["+15550000000"]


def test_a_client_named_by_its_identity_element_is_dialled_as_that_client(
    fakeconf: FakeTwilio, served: Served
) -> None:
    served.body = (
        b"<Response><Dial><Client><Identity>alice</Identity>"
        b"<Parameter name='k' value='v'/></Client></Dial></Response>"
    )
    assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE) is None
    (child,) = [c for c in fakeconf.calls if c.direction == "outbound-dial"]
    assert child.to == "client:alice"


@pytest.mark.parametrize("noun", ["<Play>https://a.example/x.mp3</Play>", "<Say>hi</Say>"])
def test_a_noun_that_cannot_be_dialled_is_12200(
    fakeconf: FakeTwilio, served: Served, noun: str
) -> None:
    error = refused_12200(fakeconf, served, f"<Response><Dial>{noun}</Dial></Response>")
    assert "cannot be dialled" in str(error)


def test_a_conference_with_another_noun_in_its_dial_is_12200(
    fakeconf: FakeTwilio, served: Served
) -> None:
    document = (
        "<Response><Dial><Number>+15550001111</Number>"
        "<Conference>Room</Conference></Dial></Response>"
    )
    error = refused_12200(fakeconf, served, document)
    assert "only noun" in str(error)


@pytest.mark.parametrize("name", ["", "   ", "r" * 129])
def test_a_conference_name_outside_1_to_128_characters_is_12200(
    fakeconf: FakeTwilio, served: Served, name: str
) -> None:
    document = f"<Response><Dial><Conference>{name}</Conference></Dial></Response>"
    error = refused_12200(fakeconf, served, document)
    assert "1 to 128 characters" in str(error)


def test_a_conference_name_of_128_characters_is_joined(
    fakeconf: FakeTwilio, served: Served
) -> None:
    name = "r" * 128
    served.body = f"<Response><Dial><Conference>{name}</Conference></Dial></Response>".encode()
    joined = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert joined is not None
    assert fakeconf.get_conference(joined.conference_sid).friendly_name == name


@pytest.mark.parametrize("answers", [[""], ["1", ""], [1]])
def test_dial_in_refuses_an_answer_that_is_not_a_non_empty_string(
    fakeconf: FakeTwilio, served: Served, answers: list[Any]
) -> None:
    served.body = b"<Response><Gather action='/g'/></Response>"
    with pytest.raises(ValueError, match="non-empty string"):
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE, digits=answers)
    assert fakeconf.calls == []  # refused before the call came in
