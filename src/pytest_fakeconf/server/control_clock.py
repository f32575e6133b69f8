"""Control handlers for the fake's clock and for forgetting everything."""

from __future__ import annotations

from ..api.routing import PathArgs
from ..api.wire import rfc2822
from ..fake import FakeTwilio
from .control_fields import flag, moment, text
from .control_replies import Body, ControlError, Reply, reply


def move_clock(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    clock = fake.clock
    # Every field is checked before any moves the clock; the clock itself refuses
    # (ValueError, unmoved) a moment or a step outside its range.
    to = moment(text(data, "now")) if "now" in data else None
    seconds = data.get("advance", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ControlError(400, "advance takes a number of seconds")
    release = flag(data, "release")
    if to is not None:
        clock.freeze(to)
    if "advance" in data:
        clock.advance(seconds)
    if release:
        clock.release()
    return reply(200, {"now": rfc2822(clock.now()), "scheduled": len(fake.scheduled)})


def reset(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    """Forget every account's data; the accounts and their credentials stay."""
    fake.reset()
    return reply(200, {"reset": True})
