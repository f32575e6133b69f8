"""Control endpoints under ``/_fakeconf/``: what only a test can do.

JSON in, JSON out. Everything but ``GET state`` needs the account's HTTP Basic
credentials, like the API itself. Errors answer ``{"error": "…"}`` with 400,
401 or 404.

| method and path | body | does |
|---|---|---|
| GET state | | conferences, their live participants, recent events (the page reads this) |
| POST conferences | friendly_name, status, region, date_created | create a conference |
| POST conferences/{sid}/end | reason, call_sid, at | end it now or at ``at`` (ISO 8601) |
| POST conferences/{sid}/participants | the options of ``add_participant`` | add a participant |
| POST conferences/{sid}/participants/{call}/leave | at | hang up now or at ``at`` |
| POST conferences/{sid}/participants/{call}/kick | at | kick now or at ``at`` |
| POST call-outcomes | number, outcome | make a number busy, unanswered or failing |
| POST webhooks | base_url | deliver webhooks under base_url over HTTP |
| GET requests, GET webhooks, GET events | | the journals |
| POST clock | now (ISO 8601) / advance (seconds) / release (true) | move the manual clock |
| POST reset | | forget everything but the credentials |
| POST faults | the options of ``inject_fault`` (no timeout) | inject a fault: 201, with its id |
| GET faults | | the faults not removed, with their hits |
| DELETE faults/{id}, DELETE faults | | remove one fault, or all |
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from ..api.auth import basic_credentials
from ..api.wire import conference_json, participant_json, rfc2822
from ..core.errors import FakeconfError
from ..fake import FakeTwilio
from ..handles import ConferenceHandle, ParticipantHandle

Reply = tuple[int, dict[str, str], bytes]
JSON = {"Content-Type": "application/json; charset=utf-8"}
RECENT_EVENTS = 50


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def reply(status: int, payload: object) -> Reply:
    return status, dict(JSON), json.dumps(payload, default=str).encode()


def handle(
    fake: FakeTwilio, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> Reply:
    parts = [p for p in path.split("/") if p]
    try:
        if method == "GET" and parts == ["state"]:
            return reply(200, state(fake))
        _authenticate(fake, headers)
        data = _json(body) if method == "POST" else {}
        return _dispatch(fake, method, parts, data)
    except ControlError as error:
        return reply(error.status, {"error": str(error)})
    except (FakeconfError, ValueError, TypeError, KeyError) as error:
        return reply(400, {"error": str(error)})


def _dispatch(fake: FakeTwilio, method: str, parts: list[str], data: dict[str, Any]) -> Reply:
    route = (method, *parts)
    getters: dict[tuple[str, ...], Callable[[], object]] = {
        ("GET", "requests"): lambda: [_request(r) for r in fake.requests],
        ("GET", "webhooks"): lambda: [_webhook(w) for w in fake.webhooks],
        ("GET", "events"): lambda: [_event(e) for e in fake.events],
    }
    if route in getters:
        return reply(200, getters[route]())
    if route == ("POST", "conferences"):
        room = fake.create_conference(
            _optional_text(data, "friendly_name"),
            status=_text(data, "status", "in-progress"),
            region=_text(data, "region", "us1"),
            date_created=_moment(data.get("date_created")),
        )
        return reply(201, _conference(room))
    if method == "POST" and len(parts) >= 3 and parts[0] == "conferences":
        room = _room(fake, parts[1])
        if parts[2:] == ["end"]:
            room.end(
                _text(data, "reason", "conference-ended-via-api"),
                _optional_text(data, "call_sid"),
                at=_moment(data.get("at")),
            )
            return reply(200, _conference(room))
        if parts[2:] == ["participants"]:
            participant = room.add_participant(**_participant_options(data))
            return reply(201, _participant(participant))
        if len(parts) == 5 and parts[2] == "participants" and parts[4] in ("leave", "kick"):
            participant = _member(room, parts[3])
            action = participant.leave if parts[4] == "leave" else participant.kick
            scheduled = action(at=_moment(data.get("at")))
            return reply(200, {"scheduled": scheduled is not None, **_participant(participant)})
    if route == ("POST", "call-outcomes"):
        number, outcome = _text(data, "number"), _text(data, "outcome")
        fake.set_call_outcome(number, outcome)
        return reply(200, {"number": number, "outcome": outcome})
    if route == ("POST", "webhooks"):
        base_url = _text(data, "base_url")
        fake.route_webhooks_over_http(base_url)
        return reply(200, {"base_url": base_url})
    if route == ("POST", "clock"):
        return reply(200, _clock(fake, data))
    if parts[:1] == ["faults"]:
        return _faults(fake, method, parts[1:], data)
    if route == ("POST", "reset"):
        fake.reset()
        return reply(200, {"reset": True})
    raise ControlError(404, f"no control endpoint {method} /_fakeconf/{'/'.join(parts)}")


def state(fake: FakeTwilio) -> dict[str, Any]:
    events = fake.events[-RECENT_EVENTS:]
    return {
        "account_sid": fake.account_sid,
        "now": rfc2822(fake.clock.now()),
        "conferences": [
            {
                **_conference(room),
                "participants": [_participant(p) for p in room.participants],
            }
            for room in fake.conferences
        ],
        "events": [_event(e) for e in reversed(events)],
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


_PARTICIPANT_OPTIONS = (
    "label", "call_sid", "start_conference_on_enter", "end_conference_on_exit", "muted",
    "hold", "coaching", "call_sid_to_coach",
)  # fmt: skip


_PARTICIPANT_FLAGS = (
    "start_conference_on_enter", "end_conference_on_exit", "muted", "hold", "coaching",
)  # fmt: skip


def _participant_options(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(_PARTICIPANT_OPTIONS)
    if unknown:
        raise ControlError(400, f"unknown participant option(s): {sorted(unknown)}")
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


def _conference(room: ConferenceHandle) -> dict[str, Any]:
    return conference_json(room._record)


def _participant(participant: ParticipantHandle) -> dict[str, Any]:
    return participant_json(participant._record)


_FAULT_OPTIONS = (
    "status", "error", "method", "path", "times", "probability", "retry_after", "delay",
)  # fmt: skip


def _faults(fake: FakeTwilio, method: str, rest: list[str], data: dict[str, Any]) -> Reply:
    if method == "POST" and not rest:
        unknown = set(data) - set(_FAULT_OPTIONS)
        if unknown:
            raise ControlError(400, f"unknown fault option(s): {sorted(unknown)}")
        if data.get("error") == "timeout":
            # A read timeout would need the server to keep the client waiting for
            # real; "connection" closes the connection without an answer instead.
            raise ControlError(
                400, "timeout faults are in-process only; in server mode use status or connection"
            )
        return reply(201, fake.inject_fault(**data).as_dict())
    if method == "GET" and not rest:
        return reply(200, [fault.as_dict() for fault in fake.faults])
    if method == "DELETE" and not rest:
        for fault in fake.faults:
            fault.remove()
        return reply(200, {"removed": True})
    if method == "DELETE" and len(rest) == 1:
        for fault in fake.faults:
            if str(fault.id) == rest[0]:
                fault.remove()
                return reply(200, fault.as_dict())
        raise ControlError(404, f"no fault {rest[0]}")
    raise ControlError(404, f"no control endpoint {method} /_fakeconf/faults/{'/'.join(rest)}")


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
