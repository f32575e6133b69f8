"""Control handlers for injected faults."""

from __future__ import annotations

from ..api.routing import PathArgs
from ..fake import FakeTwilio
from .control_replies import Body, ControlError, Reply, reply

FAULT_OPTIONS = (
    "status", "error", "method", "path", "times", "probability", "retry_after", "delay",
)  # fmt: skip


def inject_fault(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    if data.get("error") == "timeout":
        # A read timeout would need the server to keep the client waiting for
        # real; "connection" closes the connection without an answer instead.
        raise ControlError(
            400, "timeout faults are in-process only; in server mode use status or connection"
        )
    return reply(201, fake.inject_fault(**data).as_dict())


def list_faults(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [fault.as_dict() for fault in fake.faults])


def remove_faults(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    for fault in fake.faults:
        fault.remove()
    return reply(200, {"removed": True})


def remove_fault(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    for fault in fake.faults:
        if str(fault.id) == args["id"]:
            fault.remove()
            return reply(200, fault.as_dict())
    raise ControlError(404, f"no fault {args['id']}")
