"""Control handlers for calls: outcomes of numbers, the calls, what a caller does."""

from __future__ import annotations

import dataclasses
import datetime as _dt

from ..api.routing import PathArgs
from ..core.vocabulary import ANSWERED_BY, CALL_OUTCOMES, one_of
from ..fake import FakeTwilio
from ..handles import CallHandle
from .control_fields import optional_text, text
from .control_replies import Body, ControlError, Reply, reply

MAX_RING_SECONDS = 86_400  # a day: longer than any Timeout (at most 600 s)


def call_outcome(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    """``set_call_outcome``: ``answered_by`` a word, ``ring_for`` seconds (a number)."""
    number, outcome = text(data, "number"), text(data, "outcome")
    answered_by = optional_text(data, "answered_by")
    seconds = data.get("ring_for")
    if seconds is not None and (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not 0 <= seconds <= MAX_RING_SECONDS
    ):
        raise ControlError(400, f"ring_for takes seconds from 0 to {MAX_RING_SECONDS}")
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


def calls(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [call.to_json() for call in fake.calls])


def call(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, _call(fake, args["sid"]).to_json())


def hang_up(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    handle = _call(fake, args["sid"])
    handle.hang_up()
    return reply(200, handle.to_json())


def press(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    digits = data.get("digits")
    if not isinstance(digits, str):
        raise ControlError(400, "digits must be a string of 0-9, * and #")
    handle = _call(fake, args["sid"])
    handle.press(digits)
    return reply(200, handle.to_json())


def say(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    speech, confidence = data.get("speech"), data.get("confidence", 0.9)
    if not isinstance(speech, str):
        raise ControlError(400, "speech must be a string")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise ControlError(400, "confidence must be a number from 0.0 to 1.0")
    handle = _call(fake, args["sid"])
    handle.say(speech, confidence=float(confidence))
    return reply(200, handle.to_json())


def call_log(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    entries = _call(fake, args["sid"]).log
    return reply(200, [dataclasses.asdict(entry) for entry in entries])


def _call(fake: FakeTwilio, sid: str) -> CallHandle:
    try:
        return fake.get_call(sid)
    except LookupError:
        raise ControlError(404, f"no call {sid}") from None
