"""pytest-fakeconf: an in-memory fake of Twilio's Conference REST API for pytest."""

# Light on purpose: pytest imports this package (through the ``pytest11`` entry
# point, ``pytest_fakeconf.plugin``) in every run of every project that installs it.
# The public names are imported on first access (PEP 562); mypy and IDEs see the
# real classes through the TYPE_CHECKING imports, which must match _LAZY below.

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api.faults import Fault
    from .core.accounts import ApiKey
    from .core.bounded import JournalCount
    from .core.errors import FakeconfError, NotFoundError, TwilioError
    from .core.events import Event
    from .core.schedule import Scheduled
    from .core.vocabulary import (
        AnsweredBy,
        CallDirection,
        CallOutcome,
        CallStatus,
        ConferenceStatus,
        EndReason,
        EventKind,
        ParticipantStatus,
        PauseBehavior,
        RecordingStatus,
        Region,
    )
    from .fake import FakeTwilio
    from .handles import CallHandle, ConferenceHandle, ParticipantHandle, RecordingHandle
    from .journal import RecordedRequest
    from .webhooks.alerts import Alert
    from .webhooks.delivery import WebhookDelivery
    from .webhooks.signature import signature
    from .webhooks.voice import LogEntry
else:  # at run time, a public name is imported on first access (type checkers use the
    # imports above, so a misspelt name stays an error for them)

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value


__version__ = "0.1.0"

# public name -> the module (relative to this package) that defines it
_LAZY = {
    "Fault": ".api.faults",
    "ApiKey": ".core.accounts",
    "JournalCount": ".core.bounded",
    "FakeconfError": ".core.errors",
    "NotFoundError": ".core.errors",
    "TwilioError": ".core.errors",
    "Event": ".core.events",
    "Scheduled": ".core.schedule",
    "AnsweredBy": ".core.vocabulary",
    "CallDirection": ".core.vocabulary",
    "CallOutcome": ".core.vocabulary",
    "CallStatus": ".core.vocabulary",
    "ConferenceStatus": ".core.vocabulary",
    "EndReason": ".core.vocabulary",
    "EventKind": ".core.vocabulary",
    "ParticipantStatus": ".core.vocabulary",
    "PauseBehavior": ".core.vocabulary",
    "RecordingStatus": ".core.vocabulary",
    "Region": ".core.vocabulary",
    "FakeTwilio": ".fake",
    "CallHandle": ".handles",
    "ConferenceHandle": ".handles",
    "ParticipantHandle": ".handles",
    "RecordingHandle": ".handles",
    "RecordedRequest": ".journal",
    "Alert": ".webhooks.alerts",
    "WebhookDelivery": ".webhooks.delivery",
    "signature": ".webhooks.signature",
    "LogEntry": ".webhooks.voice",
}


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Alert",
    "AnsweredBy",
    "ApiKey",
    "CallDirection",
    "CallHandle",
    "CallOutcome",
    "CallStatus",
    "ConferenceHandle",
    "ConferenceStatus",
    "EndReason",
    "Event",
    "EventKind",
    "FakeTwilio",
    "FakeconfError",
    "Fault",
    "JournalCount",
    "LogEntry",
    "NotFoundError",
    "ParticipantHandle",
    "ParticipantStatus",
    "PauseBehavior",
    "RecordedRequest",
    "RecordingHandle",
    "RecordingStatus",
    "Region",
    "Scheduled",
    "TwilioError",
    "WebhookDelivery",
    "__version__",
    "signature",
]
