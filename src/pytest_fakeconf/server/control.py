"""Control endpoints under ``/_fakeconf/``: what only a test can do.

JSON in, JSON out. Everything but ``GET state`` needs the account's HTTP Basic
credentials, like the API itself. Each endpoint is declared once (:data:`ENDPOINTS`:
method, path template, handler, the keys its JSON body may hold) and routed by the
API's own router. Errors answer ``{"error": "…"}`` (plus Twilio's ``"code"`` when the
fake refuses with one) with the same HTTP status as the error: 400 for bad input, a
body that is not a JSON object or a key the endpoint does not take; 401 without the
credentials; 404 for a path no endpoint has, or a conference, participant or fault
that does not exist; 405 (with ``Allow``) for a method the path does not take; 409
for a conference name already active.

| method and path | body | does |
|---|---|---|
| GET state | | conferences, their live participants, recent events (the page reads this) |
| POST conferences | friendly_name, status, region, date_created | create a conference |
| POST conferences/{sid}/end | reason, call_sid, at | end it now or at ``at`` (ISO 8601) |
| POST conferences/{sid}/participants | the options of ``add_participant`` | add a participant |
| POST conferences/{sid}/participants/{call}/leave | at | hang up now or at ``at`` |
| POST conferences/{sid}/participants/{call}/kick | at | kick now or at ``at`` |
| POST call-outcomes | number, outcome | make a number busy, unanswered or failing |
| GET calls | | every call (``/Calls``), newest first, as Twilio's fetch shows it |
| GET calls/{sid} | | one call |
| POST calls/{sid}/hang-up | | the caller hangs up (in a conference: its participant leaves) |
| POST webhooks | base_url | deliver webhooks under base_url over HTTP |
| GET requests, GET webhooks, GET events | | the journals |
| GET alerts | | what Twilio's Debugger would show (TwiML errors, failed fetches, callbacks) |
| POST clock | now (ISO 8601) / advance (seconds) / release (true) | move the manual clock |
| POST reset | | forget everything but the credentials |
| POST faults | the options of ``inject_fault`` (no timeout) | inject a fault: 201, with its id |
| GET faults | | the faults not removed, with their hits |
| DELETE faults/{id}, DELETE faults | | remove one fault, or all |
| POST calls/{sid}/press | digits | the caller presses keys in the ``<Gather>`` it waits in |
| POST calls/{sid}/say | speech, confidence | the caller speaks in a speech ``<Gather>`` |
| GET calls/{sid}/log | | what the call ran: verbs, what was said/played, what it answered |

``{call}`` is a participant's call SID or label.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..api.auth import basic_credentials
from ..api.routing import PathArgs, Router
from ..api.wire import rfc2822
from ..core.errors import FakeconfError, TwilioError
from ..core.vocabulary import (
    ANSWERED_BY,
    CALL_OUTCOMES,
    CONFERENCE_STATUSES,
    END_REASONS,
    REGIONS,
    one_of,
)
from ..fake import FakeTwilio
from ..handles import CallHandle, ConferenceHandle, ParticipantHandle

Reply = tuple[int, dict[str, str], bytes]
JSON = {"Content-Type": "application/json; charset=utf-8"}
RECENT_EVENTS = 50
PREFIX = "/_fakeconf"

Body = dict[str, Any]
ControlHandler = Callable[[FakeTwilio, PathArgs, Body], Reply]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One control endpoint: ``fields`` are the keys its JSON body may hold (any
    other key is refused with 400, naming it); ``subject`` names them in that
    message; an ``open`` endpoint needs no credentials."""

    method: str
    template: str
    handler: ControlHandler
    fields: tuple[str, ...] = ()
    subject: str = ""
    open: bool = False


class ControlError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def reply(status: int, payload: object, headers: Mapping[str, str] | None = None) -> Reply:
    return status, {**JSON, **(headers or {})}, json.dumps(payload, default=str).encode()


def handle(
    fake: FakeTwilio, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> Reply:
    """Answer ``method`` on ``path`` (the whole path: ``/_fakeconf/…``)."""
    path = "/" + "/".join(part for part in path.split("/") if part)  # "state/" is "state"
    try:
        resolved = CONTROL.resolve(method, path)
        endpoint = None if resolved is None else resolved.route
        if endpoint is None or not endpoint.open:
            _authenticate(fake, headers)
        if resolved is None:
            raise ControlError(404, f"no control endpoint {method} {path}")
        if endpoint is None:
            allowed = ", ".join(sorted(resolved.allowed))
            raise ControlError(405, f"{path} takes {allowed}, not {method}", {"Allow": allowed})
        data = _json(body) if method == "POST" else {}
        unknown = set(data) - set(endpoint.fields)
        if unknown:
            takes = ", ".join(endpoint.fields) or "none"
            raise ControlError(
                400, f"unknown {endpoint.subject} option(s): {sorted(unknown)} (it takes {takes})"
            )
        return endpoint.handler(fake, resolved.args, data)
    except ControlError as error:
        return reply(error.status, {"error": str(error)}, error.headers)
    except TwilioError as error:
        return reply(error.status, {"error": error.message, "code": error.code})
    except (FakeconfError, ValueError, TypeError, KeyError) as error:
        return reply(400, {"error": str(error)})


# -- the endpoints ------------------------------------------------------------------------


def _get_state(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, state(fake))


def _create_conference(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    room = fake.create_conference(
        _optional_text(data, "friendly_name"),
        status=one_of("status", _text(data, "status", "in-progress"), CONFERENCE_STATUSES),
        region=one_of("region", _text(data, "region", "us1"), REGIONS),
        date_created=_moment(data.get("date_created")),
    )
    return reply(201, room.to_json())


def _end_conference(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    room = _room(fake, args["sid"])
    room.end(
        one_of("reason", _text(data, "reason", "conference-ended-via-api"), END_REASONS),
        _optional_text(data, "call_sid"),
        at=_moment(data.get("at")),
    )
    return reply(200, room.to_json())


def _add_participant(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    room = _room(fake, args["sid"])
    participant = room.add_participant(**_participant_options(data))
    return reply(201, participant.to_json())


def _leave(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    participant = _member(_room(fake, args["sid"]), args["call"])
    scheduled = participant.leave(at=_moment(data.get("at")))
    return reply(200, {"scheduled": scheduled is not None, **participant.to_json()})


def _kick(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    participant = _member(_room(fake, args["sid"]), args["call"])
    scheduled = participant.kick(at=_moment(data.get("at")))
    return reply(200, {"scheduled": scheduled is not None, **participant.to_json()})


def _call_outcome(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    """``set_call_outcome``: ``answered_by`` a word, ``ring_for`` seconds (a number)."""
    number, outcome = _text(data, "number"), _text(data, "outcome")
    answered_by = _optional_text(data, "answered_by")
    seconds = data.get("ring_for")
    if seconds is not None and (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not 0 <= seconds <= _MAX_RING_SECONDS
    ):
        raise ControlError(400, f"ring_for takes seconds from 0 to {_MAX_RING_SECONDS}")
    fake.set_call_outcome(
        number,
        one_of("outcome", outcome, CALL_OUTCOMES),
        answered_by=None
        if answered_by is None
        else one_of("answered_by", answered_by, ANSWERED_BY),
        ring_for=None if seconds is None else _dt.timedelta(seconds=seconds),
    )
    given = {"answered_by": answered_by, "ring_for": seconds}
    return reply(
        200,
        {"number": number, "outcome": outcome, **{k: v for k, v in given.items() if v is not None}},
    )


_MAX_RING_SECONDS = 86_400  # a day: longer than any Timeout (at most 600 s)


def _calls(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [call.to_json() for call in fake.calls])


def _call(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, _call_handle(fake, args["sid"]).to_json())


def _hang_up(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    call = _call_handle(fake, args["sid"])
    call.hang_up()
    return reply(200, call.to_json())


def _press(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    digits = data.get("digits")
    if not isinstance(digits, str):
        raise ControlError(400, "digits must be a string of 0-9, * and #")
    call = _call_handle(fake, args["sid"])
    call.press(digits)
    return reply(200, call.to_json())


def _say(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    speech, confidence = data.get("speech"), data.get("confidence", 0.9)
    if not isinstance(speech, str):
        raise ControlError(400, "speech must be a string")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise ControlError(400, "confidence must be a number from 0.0 to 1.0")
    call = _call_handle(fake, args["sid"])
    call.say(speech, confidence=float(confidence))
    return reply(200, call.to_json())


def _call_log(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    entries = _call_handle(fake, args["sid"]).log
    return reply(200, [dataclasses.asdict(entry) for entry in entries])


def _call_handle(fake: FakeTwilio, sid: str) -> CallHandle:
    try:
        return fake.get_call(sid)
    except LookupError:
        raise ControlError(404, f"no call {sid}") from None


def _route_webhooks(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    base_url = _text(data, "base_url")
    fake.route_webhooks_over_http(base_url)
    return reply(200, {"base_url": base_url})


def _requests(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [_request(r) for r in fake.requests])


def _webhooks(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [_webhook(w) for w in fake.webhooks])


def _events(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [_event(e) for e in fake.events])


def _alerts(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [a.as_dict() for a in fake.alerts])


def _move_clock(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, _clock(fake, data))


def _reset(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    fake.reset()
    return reply(200, {"reset": True})


def _inject_fault(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    if data.get("error") == "timeout":
        # A read timeout would need the server to keep the client waiting for
        # real; "connection" closes the connection without an answer instead.
        raise ControlError(
            400, "timeout faults are in-process only; in server mode use status or connection"
        )
    return reply(201, fake.inject_fault(**data).as_dict())


def _list_faults(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [fault.as_dict() for fault in fake.faults])


def _remove_faults(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    for fault in fake.faults:
        fault.remove()
    return reply(200, {"removed": True})


def _remove_fault(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    for fault in fake.faults:
        if str(fault.id) == args["id"]:
            fault.remove()
            return reply(200, fault.as_dict())
    raise ControlError(404, f"no fault {args['id']}")


_PARTICIPANT_OPTIONS = (
    "label", "call_sid", "start_conference_on_enter", "end_conference_on_exit", "muted",
    "hold", "coaching", "call_sid_to_coach",
)  # fmt: skip
_FAULT_OPTIONS = (
    "status", "error", "method", "path", "times", "probability", "retry_after", "delay",
)  # fmt: skip
_CONFERENCE = f"{PREFIX}/conferences/{{sid}}"
_MEMBER = f"{_CONFERENCE}/participants/{{call}}"
_CALL = f"{PREFIX}/calls/{{sid}}"

ENDPOINTS = (
    Endpoint("GET", f"{PREFIX}/state", _get_state, open=True),
    Endpoint(
        "POST",
        f"{PREFIX}/conferences",
        _create_conference,
        ("friendly_name", "status", "region", "date_created"),
        "conference",
    ),
    Endpoint("POST", f"{_CONFERENCE}/end", _end_conference, ("reason", "call_sid", "at"), "end"),
    Endpoint(
        "POST",
        f"{_CONFERENCE}/participants",
        _add_participant,
        _PARTICIPANT_OPTIONS,
        "participant",
    ),
    Endpoint("POST", f"{_MEMBER}/leave", _leave, ("at",), "leave"),
    Endpoint("POST", f"{_MEMBER}/kick", _kick, ("at",), "kick"),
    Endpoint(
        "POST",
        f"{PREFIX}/call-outcomes",
        _call_outcome,
        ("number", "outcome", "answered_by", "ring_for"),
        "call outcome",
    ),
    Endpoint("GET", f"{PREFIX}/calls", _calls),
    Endpoint("GET", f"{_CALL}", _call),
    Endpoint("POST", f"{_CALL}/hang-up", _hang_up, (), "hang-up"),
    Endpoint("POST", f"{PREFIX}/webhooks", _route_webhooks, ("base_url",), "webhooks"),
    Endpoint("GET", f"{PREFIX}/webhooks", _webhooks),
    Endpoint("GET", f"{PREFIX}/requests", _requests),
    Endpoint("GET", f"{PREFIX}/events", _events),
    Endpoint("GET", f"{PREFIX}/alerts", _alerts),
    Endpoint("POST", f"{PREFIX}/clock", _move_clock, ("now", "advance", "release"), "clock"),
    Endpoint("POST", f"{PREFIX}/reset", _reset, (), "reset"),
    Endpoint("POST", f"{PREFIX}/faults", _inject_fault, _FAULT_OPTIONS, "fault"),
    Endpoint("GET", f"{PREFIX}/faults", _list_faults),
    Endpoint("DELETE", f"{PREFIX}/faults", _remove_faults),
    Endpoint("DELETE", f"{PREFIX}/faults/{{id}}", _remove_fault),
    Endpoint("POST", f"{_CALL}/press", _press, ("digits",), "press"),
    Endpoint("POST", f"{_CALL}/say", _say, ("speech", "confidence"), "say"),
    Endpoint("GET", f"{_CALL}/log", _call_log),
)
CONTROL: Router[Endpoint] = Router(ENDPOINTS)


def state(fake: FakeTwilio) -> dict[str, Any]:
    events = fake.events[-RECENT_EVENTS:]
    return {
        "account_sid": fake.account_sid,
        "now": rfc2822(fake.clock.now()),
        "conferences": [
            {
                **room.to_json(),
                "participants": [p.to_json() for p in room.participants],
            }
            for room in fake.conferences
        ],
        "events": [_event(e) for e in reversed(events)],
        "alerts": [a.as_dict() for a in reversed(fake.alerts[-RECENT_EVENTS:])],
    }


def _authenticate(fake: FakeTwilio, headers: Mapping[str, str]) -> None:
    """Only the account SID + auth token open the control endpoints (no API key)."""
    credentials = basic_credentials(headers.get("Authorization"))
    if credentials != (fake.account_sid, fake.auth_token):
        raise ControlError(401, "the control endpoints need the account's Basic credentials")


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise ControlError(400, "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def _moment(value: object) -> _dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ControlError(400, f"expected an ISO 8601 time, got {value!r}")
    try:
        moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ControlError(400, f"expected an ISO 8601 time, got {value!r}") from None
    if moment.tzinfo is None:
        raise ControlError(400, f"the time needs a UTC offset: {value!r}")
    return moment


_PARTICIPANT_FLAGS = (
    "start_conference_on_enter", "end_conference_on_exit", "muted", "hold", "coaching",
)  # fmt: skip


def _participant_options(data: dict[str, Any]) -> dict[str, Any]:
    """The options as ``add_participant`` takes them (unknown keys were refused)."""
    for key in data:
        if key in _PARTICIPANT_FLAGS:
            _flag(data, key)
        else:
            _optional_text(data, key)
    return data


_REQUIRED = object()


def _text(data: dict[str, Any], key: str, default: Any = _REQUIRED) -> str:
    """A string field; without ``default`` it is required. ``null`` is no string."""
    if key not in data and default is not _REQUIRED:
        return str(default)
    if key not in data:
        raise ControlError(400, f"{key} is required")
    value = data[key]
    if not isinstance(value, str):
        raise ControlError(400, f"{key} must be a string, got {json.dumps(value)[:100]}")
    return value


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    """A string field that may be absent or ``null``."""
    return None if data.get(key) is None else _text(data, key)


def _flag(data: dict[str, Any], key: str, default: bool = False) -> bool:
    """A boolean field: JSON true or false only ("false" would be truthy)."""
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ControlError(400, f"{key} must be true or false, got {json.dumps(value)[:100]}")
    return value


def _room(fake: FakeTwilio, sid: str) -> ConferenceHandle:
    try:
        return fake.get_conference(sid)
    except LookupError:
        raise ControlError(404, f"no conference {sid}") from None


def _member(room: ConferenceHandle, call: str) -> ParticipantHandle:
    for participant in room.participants:
        if call in (participant.call_sid, participant.label):
            return participant
    raise ControlError(404, f"no live participant {call} in {room.sid}")


def _clock(fake: FakeTwilio, data: dict[str, Any]) -> dict[str, Any]:
    clock = fake.clock
    # Every field is checked before any moves the clock; the clock itself refuses
    # (ValueError, unmoved) a moment or a step outside its range.
    moment = _moment(_text(data, "now")) if "now" in data else None
    seconds = data.get("advance", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ControlError(400, "advance takes a number of seconds")
    release = _flag(data, "release")
    if moment is not None:
        clock.freeze(moment)
    if "advance" in data:
        clock.advance(seconds)
    if release:
        clock.release()
    return {"now": rfc2822(clock.now()), "scheduled": len(fake.scheduled)}


def _request(r: Any) -> dict[str, Any]:
    return {
        "method": r.method,
        "url": r.url,
        "status_code": r.status_code,
        "params": r.params,
        "error": r.error,
    }


def _webhook(w: Any) -> dict[str, Any]:
    return {
        "kind": w.kind,
        "url": w.url,
        "method": w.method,
        "params": dict(w.params),
        "status_code": w.status_code,
        "error": w.error,
    }


def _event(e: Any) -> dict[str, Any]:
    data = {k: v for k, v in e.data.items() if isinstance(v, (str, int, float, bool, type(None)))}
    return {"kind": e.kind, "conference_sid": e.conference_sid, "at": rfc2822(e.at), **data}
