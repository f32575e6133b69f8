"""pytest-fakeconf: an in-memory fake of Twilio's Conference REST API for pytest."""

from .core.accounts import ApiKey
from .core.errors import FakeconfError, NotFoundError, TwilioError
from .core.events import Event
from .core.schedule import Scheduled
from .fake import FakeTwilio
from .handles import ConferenceHandle, ParticipantHandle, RecordingHandle
from .journal import RecordedRequest
from .webhooks.delivery import WebhookDelivery
from .webhooks.signature import signature

__version__ = "0.1.0"

__all__ = [
    "ApiKey",
    "ConferenceHandle",
    "Event",
    "FakeTwilio",
    "FakeconfError",
    "NotFoundError",
    "ParticipantHandle",
    "RecordedRequest",
    "RecordingHandle",
    "Scheduled",
    "TwilioError",
    "WebhookDelivery",
    "__version__",
    "signature",
]
