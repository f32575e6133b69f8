"""``--fakeconf-guard``: no request reaches a Twilio host without the fake.

Installed by the plugin for the whole run only when the guard is switched on
(``--fakeconf-guard`` or ini ``fakeconf_guard = true``). It wraps ``requests``'
``HTTPAdapter.send`` and, when aiohttp is installed, ``ClientSession._request``.
A started fake (the ``fakeconf`` fixture) patches on top of the guard and answers
every Twilio URL itself, so what reaches the guard for a Twilio host would have gone
to the real Twilio: the guard fails the test at once. Other hosts pass untouched.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest


def is_twilio_host(url: object) -> bool:
    try:
        host = urlsplit(str(url)).hostname or ""
    except ValueError:
        return False
    return host == "twilio.com" or host.endswith(".twilio.com")


def refuse(method: str, url: object) -> None:
    """Fail the running test (``pytest.fail``: application code catching ``Exception``
    cannot swallow it) for a request to a Twilio host that no fake answered."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0] or "code outside a test"
    pytest.fail(
        f"pytest-fakeconf guard: {test} sent {method.upper()} {url} to a Twilio host without "
        "the fake, so it would reach the real Twilio. Add the `fakeconf` fixture to the test "
        '(an argument, or @pytest.mark.usefixtures("fakeconf")). The guard is on because of '
        "--fakeconf-guard or the ini option fakeconf_guard.",
        pytrace=False,
    )


class TwilioGuard:
    def __init__(self) -> None:
        self._patchers: list[Any] = []

    def install(self) -> None:
        import requests.adapters

        send = requests.adapters.HTTPAdapter.send

        def guarded_send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            if is_twilio_host(request.url):
                refuse(request.method or "GET", request.url)
            return send(adapter, request, *args, **kwargs)

        self._start(mock.patch.object(requests.adapters.HTTPAdapter, "send", guarded_send))
        if importlib.util.find_spec("aiohttp") is not None:
            from aiohttp import ClientSession

            original = ClientSession._request

            async def guarded_request(
                session: Any, method: str, url: Any, *args: Any, **kwargs: Any
            ) -> Any:
                full_url = _full_url(session, url)
                if is_twilio_host(full_url):
                    refuse(method, full_url)
                return await original(session, method, url, *args, **kwargs)

            self._start(mock.patch.object(ClientSession, "_request", guarded_request))

    def _start(self, patcher: Any) -> None:
        patcher.start()
        self._patchers.append(patcher)

    def uninstall(self) -> None:
        while self._patchers:
            self._patchers.pop().stop()


def _full_url(session: Any, url: Any) -> Any:
    """``url`` joined to the session's ``base_url``, as aiohttp will send it."""
    try:
        return session._build_url(url)
    except Exception:  # an aiohttp without it, or a URL aiohttp itself will refuse
        return url
