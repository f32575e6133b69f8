"""Test setup of the example: make ``room_moderator`` importable and share fixtures.

The example is not installed; its tests import it from this folder, exactly
as a team's own application living next to its tests.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

from twilio.rest import Client  # noqa: E402

Call = tuple[str, str, dict[str, str]]


@pytest.fixture
def client(fakeconf: Any) -> Client:
    """The real twilio client, pointed (by the fake's interception) at ``fakeconf``."""
    return Client(fakeconf.account_sid, fakeconf.auth_token)


@pytest.fixture
def api_calls(fakeconf: Any) -> Callable[[], list[Call]]:
    """Summarise the journal as ``(method, resource, params)``.

    ``resource`` is the path after ``/Accounts/{AccountSid}/``, for example
    ``Conferences.json`` or ``Conferences/CF….json``.
    """
    prefix = f"/2010-04-01/Accounts/{fakeconf.account_sid}/"

    def calls() -> list[Call]:
        summary = []
        for request in fakeconf.requests:
            assert request.path.startswith(prefix), request.url
            summary.append((request.method, request.path[len(prefix) :], request.params))
        return summary

    return calls
