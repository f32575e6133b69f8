"""Shared fixtures. Every response any FakeTwilio gives in this suite is checked
against Twilio's OpenAPI document (see oai.py) the moment it is produced."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
import requests
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.api import ApiRequest, ApiResponse

from .oai import validate_response

API = "https://api.twilio.com/2010-04-01"


@pytest.fixture(autouse=True, scope="session")
def _validate_every_response() -> Iterator[None]:
    original = FakeTwilio.answer

    def answer(
        self: FakeTwilio,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> ApiResponse:
        response = original(self, method, url, headers, body)
        if response.fault is None:  # an injected fault answers 5xx on purpose
            path = ApiRequest.from_url(method, url).path  # even when the host does not parse
            validate_response(method, path, response.status, response.body)
        return response

    FakeTwilio.answer = answer  # type: ignore[method-assign]
    yield
    FakeTwilio.answer = original  # type: ignore[method-assign]


@pytest.fixture
def client(fakeconf: FakeTwilio) -> Client:
    """The real twilio client, with the fake's credentials."""
    return Client(fakeconf.account_sid, fakeconf.auth_token)


@pytest.fixture
def http(fakeconf: FakeTwilio) -> requests.Session:
    """A plain requests session authenticated as the fake's account."""
    session = requests.Session()
    session.auth = (fakeconf.account_sid, fakeconf.auth_token)
    return session


@pytest.fixture
def account_url(fakeconf: FakeTwilio) -> str:
    return f"{API}/Accounts/{fakeconf.account_sid}"


# Third-party plugins that the inner pytest runs of the plugin's own tests never use. Each
# costs every inner run its import, and pytest's assertion rewriting of its whole
# distribution (recompiled every time where bytecode is not written): about 3 s of CPU
# per subprocess run against 0.5 s without them.
UNUSED_IN_INNER_RUNS = ("hypothesispytest", "faker", "asyncio", "anyio")


def without_unused_plugins(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """``pytester`` whose inner runs (in-process, subprocess and their xdist workers)
    leave out ``UNUSED_IN_INNER_RUNS``. A module that wants it overrides ``pytester``."""
    options = " ".join(f"-p no:{name}" for name in UNUSED_IN_INNER_RUNS)
    monkeypatch.setenv("PYTEST_ADDOPTS", options)
    return pytester
