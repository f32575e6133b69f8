"""Reading the TwiML an application answers a voice webhook with: the document model.

:func:`parse` turns a document into the list of verbs the runner (:mod:`.voice`)
executes top to bottom (``shared/reference/twilio-calls-and-twiml.md`` §3.1):
``<Say>``, ``<Play>``, ``<Pause>``, ``<Gather>`` (and its prompts), ``<Dial>`` (with
its ``<Conference>``, or its ``<Number>``/``<Client>``/``<Sip>`` nouns), ``<Redirect>``,
``<Hangup>``, ``<Reject>``. Any other verb of Twilio's is kept as
:class:`Unsupported`: the runner ends the call there with an alert saying the fake
does not implement it (never 12200: Twilio knows the verb). A whole document is
checked before any verb runs: 12100 when it does not parse, 12200 when it is not
TwiML (root other than ``<Response>``, a verb Twilio does not have, an attribute
value outside its documented range).

Documents are parsed with ``defusedxml`` refusing any DTD (TwiML has none), so
entity declarations, entity expansion (billion laughs) and external entities are
refused by the parser itself, whatever the document's encoding; a declaration
that only appears inside a comment or CDATA is text, not markup, and is accepted.

Attribute values are read as Twilio documents them: numbers are ASCII digits,
methods ASCII ``GET``/``POST`` (any case), event lists separated by ASCII spaces.
Unicode digits (``"²"``, ``"٣"``), case mappings (the long s U+017F upper-cases to
``S``, so ``"po\u017ft".upper() == "POST"``) and Unicode spaces are not taken for them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from ..core.errors import document_parse_failure, schema_validation_warning
from ..core.vocabulary import (
    CONFERENCE_CALLBACK_EVENTS,
    CONFERENCE_RECORDING_CALLBACK_EVENTS,
    REGIONS,
)

# TwiML verbs a <Response> may hold, and nouns a <Dial> may hold (Twilio's TwiML docs).
VERBS = frozenset(
    {
        "Say", "Play", "Pause", "Gather", "Dial", "Redirect", "Hangup", "Reject", "Record",
        "Enqueue", "Leave", "Sms", "Message", "Refer", "Connect", "Start", "Stop", "Pay",
        "Prompt", "Echo", "Queue",
    }
)  # fmt: skip
DIAL_NOUNS = frozenset(
    {"Number", "Client", "Conference", "Queue", "Sip", "Sim", "Application", "WhatsApp"}
)
_BOOL = ("true", "false")
_CONFERENCE_ATTRIBUTES: dict[str, tuple[str, ...] | None] = {
    # attribute: allowed values (None: free text, checked elsewhere)
    "muted": _BOOL,
    "beep": ("true", "false", "onEnter", "onExit"),
    "startConferenceOnEnter": _BOOL,
    "endConferenceOnExit": _BOOL,
    "waitUrl": None,
    "waitMethod": ("GET", "POST"),
    "maxParticipants": None,
    "record": ("do-not-record", "record-from-start"),
    "region": REGIONS,
    "coach": None,
    "trim": ("trim-silence", "do-not-trim"),
    "statusCallbackEvent": None,
    "statusCallback": None,
    "statusCallbackMethod": ("GET", "POST"),
    "recordingStatusCallback": None,
    "recordingStatusCallbackMethod": ("GET", "POST"),
    "recordingStatusCallbackEvent": None,
    "eventCallbackUrl": None,  # accepted, nothing sent there (FIDELITY: F70)
    "jitterBufferSize": ("off", "small", "medium", "large"),
    "participantLabel": None,
}
CONFERENCE_EVENTS = frozenset(CONFERENCE_CALLBACK_EVENTS)
RECORDING_EVENTS = frozenset(CONFERENCE_RECORDING_CALLBACK_EVENTS)
_NUMBER = re.compile(r"0*([0-9]{1,9})", re.ASCII)  # 9 digits: far above any range here
_SPACES = re.compile(r"[ \t\r\n]+", re.ASCII)  # XML's white space (S), no Unicode spaces


@dataclass(frozen=True, slots=True)
class JoinConference:
    name: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    loop: int = 1


@dataclass(frozen=True, slots=True)
class Play:
    url: str
    loop: int = 1
    digits: str | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    length: int = 1  # seconds; journalled, no clock time passes


@dataclass(frozen=True, slots=True)
class Redirect:
    url: str  # "" re-requests the current document (§3.1)
    method: str = "POST"


@dataclass(frozen=True, slots=True)
class Hangup:
    pass


@dataclass(frozen=True, slots=True)
class Reject:
    reason: str = "rejected"  # or "busy"


@dataclass(frozen=True, slots=True)
class DialTarget:
    """A ``<Number>``, ``<Client>`` or ``<Sip>`` noun (or a bare number) of ``<Dial>``:
    ``to`` is the child call's ``To`` (``client:name`` for a Client)."""

    noun: str  # "Number" | "Client" | "Sip"
    to: str
    url: str | None = None  # a whisper document run on the answered child (not run)


@dataclass(frozen=True, slots=True)
class Dial:
    """``<Dial>`` (§3.3): ``conference`` is its ``<Conference>`` noun; ``targets`` the
    numbers, clients and SIP addresses it rings; ``nouns`` names what it holds
    (``number`` for a bare number). ``timeout`` (ring, default 30), ``time_limit``
    (None: Twilio's 4 h, not enforced) and ``caller_id`` apply to ``targets``."""

    conference: JoinConference | None
    action: str | None = None
    method: str = "POST"
    nouns: tuple[str, ...] = ()
    targets: tuple[DialTarget, ...] = ()
    timeout: int = 30
    time_limit: int | None = None
    caller_id: str | None = None


Prompt = Say | Play | Pause


@dataclass(frozen=True, slots=True)
class Gather:
    """``<Gather>`` (§3.4): ``action`` None posts back to the current document."""

    action: str | None = None
    method: str = "POST"
    input: tuple[str, ...] = ("dtmf",)
    num_digits: int | None = None
    finish_on_key: str = "#"
    timeout: int = 5
    action_on_empty_result: bool = False
    prompts: tuple[Prompt, ...] = ()


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A verb Twilio has and the fake does not run (``<Record>``, ``<Enqueue>``, …)."""

    verb: str


Verb = Say | Play | Pause | Redirect | Hangup | Reject | Dial | Gather | Unsupported
_GATHER_INPUTS = ("dtmf", "speech")
_KEYS = "0123456789#*"
_REJECT_REASONS = ("rejected", "busy")


def parse(document: bytes | str) -> list[Verb]:
    """The verbs of ``document``, in order; 12100/12200 if it is not valid TwiML."""
    root = _root(document)
    return [_verb(element) for element in root]


def _root(document: bytes | str) -> ET.Element:
    data = document.encode() if isinstance(document, str) else document
    try:
        root = DET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:  # DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
        raise document_parse_failure(
            "DTDs and entity declarations are not allowed in TwiML"
        ) from None
    except ET.ParseError as error:
        raise document_parse_failure(str(error)) from None
    except (LookupError, ValueError) as error:
        # The XML declaration names an encoding expat cannot read: unknown ("x-nope"),
        # not a text codec ("hex"), or multi-byte other than UTF-8/16 ("shift_jis",
        # "utf-7"). Whether Twilio reads the last kind is unknown; the fake refuses it.
        raise document_parse_failure(f"unsupported encoding: {error}") from None
    if root.tag != "Response":
        raise schema_validation_warning(f"the root element must be <Response>, not <{root.tag}>")
    for verb in root:
        if verb.tag not in VERBS:
            raise schema_validation_warning(f"<{verb.tag}> is not a TwiML verb")
    return root


def _verb(verb: ET.Element) -> Verb:
    tag = verb.tag
    if tag == "Say":
        return Say((verb.text or "").strip(), _count(verb, "loop", 1))
    if tag == "Play":
        return Play((verb.text or "").strip(), _count(verb, "loop", 1), verb.get("digits"))
    if tag == "Pause":
        return Pause(_count(verb, "length", 1))
    if tag == "Redirect":
        return Redirect((verb.text or "").strip(), _method(verb, "method"))
    if tag == "Hangup":
        return Hangup()
    if tag == "Reject":
        reason = verb.get("reason", "rejected")
        if reason not in _REJECT_REASONS:
            raise schema_validation_warning(f"<Reject reason={reason!r}> must be rejected or busy")
        return Reject(reason)
    if tag == "Dial":
        action = verb.get("action")
        method = _method(verb, "method")
        conference = _dial(verb)
        targets = () if conference is not None else _targets(verb)
        limit = verb.get("timeLimit")
        caller_id = verb.get("callerId")
        return Dial(
            conference,
            action.strip() if action else None,
            method,
            _nouns(verb),
            targets,
            # §3.3: "min 5, max 600"; a value outside is brought inside (FIDELITY: F65; a GUESS:
            # 13212 is a warning, the call goes on).
            min(600, max(5, _count(verb, "timeout", 30))),
            None if limit is None else max(1, _count(verb, "timeLimit", 14400)),
            caller_id.strip() if caller_id else None,
        )
    if tag == "Gather":
        return _gather(verb)
    return Unsupported(tag)


def _targets(dial: ET.Element) -> tuple[DialTarget, ...]:
    """The numbers, clients and SIP addresses of a ``<Dial>`` without ``<Conference>``."""
    nouns = list(dial)
    if not nouns:
        number = (dial.text or "").strip()
        return (DialTarget("Number", number),) if number else ()
    targets: list[DialTarget] = []
    for noun in nouns:
        if noun.tag not in ("Number", "Client", "Sip"):
            continue  # <Queue>, <Sim>, …: the runner reports them unsupported
        text = (noun.text or "").strip()
        if noun.tag == "Client":
            identity = noun.find("Identity")
            if identity is not None:
                text = (identity.text or "").strip()
            text = text if text.startswith("client:") else f"client:{text}"
        if not text or text == "client:":
            raise schema_validation_warning(f"<{noun.tag}> needs a destination")
        url = noun.get("url")
        targets.append(DialTarget(noun.tag, text, url.strip() if url else None))
    if len(targets) > 10:  # §3.3: "<Number> (≤10, simultaneous)", "<Client> (≤10)"
        raise schema_validation_warning("<Dial> rings at most 10 destinations")
    return tuple(targets)


def _gather(verb: ET.Element) -> Gather:
    """``<Gather>`` and its prompts (only ``<Say>``, ``<Play>`` without ``digits`` and
    ``<Pause>`` nest in it, §3.2); attribute values outside Twilio's are 12200."""
    prompts: list[Prompt] = []
    for child in verb:
        if child.tag not in ("Say", "Play", "Pause"):
            raise schema_validation_warning(f"<{child.tag}> cannot be nested in <Gather>")
        prompt = _verb(child)
        if isinstance(prompt, Play) and prompt.digits is not None:
            raise schema_validation_warning("<Play digits> cannot be nested in <Gather>")
        assert isinstance(prompt, (Say, Play, Pause))
        prompts.append(prompt)
    inputs = events(verb.get("input", "dtmf"))
    if not inputs or any(word not in _GATHER_INPUTS for word in inputs):
        raise schema_validation_warning(f"<Gather input={verb.get('input')!r}> is not valid")
    key = verb.get("finishOnKey", "#")
    if len(key) > 1 or (key and key not in _KEYS):
        raise schema_validation_warning(f"<Gather finishOnKey={key!r}> must be one of 0-9 # *")
    num_digits = verb.get("numDigits")
    if num_digits is not None and not _count(verb, "numDigits", 1):
        raise schema_validation_warning("<Gather numDigits> must be 1 or more")
    empty = verb.get("actionOnEmptyResult", "false")
    if empty not in _BOOL:
        raise schema_validation_warning("<Gather actionOnEmptyResult> must be true or false")
    action = verb.get("action")
    return Gather(
        action=action.strip() if action else None,
        method=_method(verb, "method"),
        input=tuple(dict.fromkeys(inputs)),
        num_digits=None if num_digits is None else _count(verb, "numDigits", 1),
        finish_on_key=key,
        timeout=_count(verb, "timeout", 5),
        action_on_empty_result=empty == "true",
        prompts=tuple(prompts),
    )


def _nouns(dial: ET.Element) -> tuple[str, ...]:
    nouns = tuple(noun.tag for noun in dial)
    if not nouns and (dial.text or "").strip():
        return ("number",)  # <Dial>+15558675310</Dial>
    return nouns


def _count(verb: ET.Element, key: str, default: int) -> int:
    text = verb.get(key)
    if text is None:
        return default
    number = integer(text)
    if number is None:
        raise schema_validation_warning(f"<{verb.tag} {key}={text!r}> must be a whole number")
    return number


def _method(verb: ET.Element, key: str) -> str:
    method = http_method(verb.get(key, "POST"))
    if method not in ("GET", "POST"):
        raise schema_validation_warning(f"<{verb.tag} {key}={method!r}> must be GET or POST")
    return method


def _dial(dial: ET.Element) -> JoinConference | None:
    nouns = list(dial)
    for noun in nouns:
        if noun.tag not in DIAL_NOUNS:
            raise schema_validation_warning(f"<{noun.tag}> cannot be dialled")
    conferences = [n for n in nouns if n.tag == "Conference"]
    if not conferences:
        return None  # the call is bridged elsewhere, not into a conference
    if len(nouns) > 1:
        raise schema_validation_warning("<Conference> must be the only noun of its <Dial>")
    conference = conferences[0]
    name = (conference.text or "").strip()
    if not name or len(name) > 128:
        raise schema_validation_warning("<Conference> needs a name of 1 to 128 characters")
    attributes = dict(conference.attrib)
    for key, value in attributes.items():
        if key not in _CONFERENCE_ATTRIBUTES:
            raise schema_validation_warning(f"<Conference> has no attribute {key!r}")
        allowed = _CONFERENCE_ATTRIBUTES[key]
        checked = http_method(value) if key.endswith("Method") else value
        if allowed is not None and checked not in allowed:
            raise schema_validation_warning(
                f"<Conference {key}={value!r}> is not one of {', '.join(allowed)}"
            )
    for key, allowed_events in (
        ("statusCallbackEvent", CONFERENCE_EVENTS),
        ("recordingStatusCallbackEvent", RECORDING_EVENTS),
    ):
        unknown = set(events(attributes.get(key, ""))) - allowed_events
        if unknown:
            raise schema_validation_warning(
                f"<Conference {key}> has unknown events {sorted(unknown)}"
            )
    if "maxParticipants" in attributes:
        number = integer(attributes["maxParticipants"])
        if number is None or not 2 <= number <= 250:
            raise schema_validation_warning("<Conference maxParticipants> must be 2 to 250")
    return JoinConference(name, attributes)


def integer(text: str) -> int | None:
    """``text`` as a non-negative integer of ASCII digits, or None (no sign, space,
    ``_``, Unicode digit, or more than 9 significant digits: ``int()`` takes all but
    the last, and raises on ``"²"`` or beyond 4300 digits)."""
    match = _NUMBER.fullmatch(text)
    return int(match.group(1)) if match else None


def http_method(text: str) -> str:
    """An HTTP method attribute in upper case; ASCII only, so ``"po\u017ft"`` stays invalid."""
    return text.upper() if text.isascii() else text


def events(text: str) -> tuple[str, ...]:
    """A space-separated event list (XML white space only, not Unicode spaces)."""
    return tuple(word for word in _SPACES.split(text) if word)
