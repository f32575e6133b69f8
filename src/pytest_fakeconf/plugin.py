"""The pytest glue: the ``fakeconf`` fixture and the ``fakeconf`` marker.

pytest imports this module in every run of every project that installs the
package, so it imports nothing heavy: the fake (and ``responses``, ``requests``,
``aiohttp``, ``faker``) is imported when a test first asks for a fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .fake import FakeTwilio
    from .server import FakeconfServer

MARKER_OPTIONS = ("seed", "account_sid", "auth_token")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fakeconf(seed=..., account_sid=..., auth_token=...): configure the fakeconf fixture",
    )


def fake_options(node: pytest.Item | Any) -> dict[str, Any]:
    """Options for the fake of ``node``: the closest ``fakeconf`` marker wins.

    Without a ``seed``, the test's node id seeds the fake, so a test gets the
    same SIDs alone, in the whole suite, and under pytest-xdist.
    """
    options: dict[str, Any] = {"seed": node.nodeid}
    for marker in reversed(list(node.iter_markers("fakeconf"))):  # farthest first
        if marker.args:
            raise pytest.UsageError("@pytest.mark.fakeconf takes keyword arguments only")
        unknown = set(marker.kwargs) - set(MARKER_OPTIONS)
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.fakeconf got unknown option(s) {sorted(unknown)}; "
                f"known: {', '.join(MARKER_OPTIONS)}"
            )
        options.update(marker.kwargs)
    return options


@pytest.fixture
def fakeconf(request: pytest.FixtureRequest) -> Iterator[FakeTwilio]:
    """An in-memory fake of Twilio's Conference API, intercepting ``requests``."""
    from .fake import FakeTwilio

    fake = FakeTwilio(**fake_options(request.node))
    with fake:
        yield fake
    if fake.crashes:
        pytest.fail(
            "pytest-fakeconf hit an internal error answering a request (a bug in the fake):\n"
            + "\n".join(fake.crashes),
            pytrace=False,
        )


@pytest.fixture
def fakeconf_server(request: pytest.FixtureRequest) -> Iterator[FakeconfServer]:
    """The fake behind a real HTTP server on 127.0.0.1 and a free port.

    For clients that need a socket (other languages, subprocesses, browsers):
    ``fakeconf_server.base_url``, ``fakeconf_server.fake`` (the same scripting
    API as ``fakeconf``). Needs the ``server`` extra (waitress).
    """
    from .fake import FakeTwilio
    from .server import FakeconfServer

    server = FakeconfServer(FakeTwilio(**fake_options(request.node)), port=0)
    with server:
        yield server
    if server.fake.crashes:
        pytest.fail(
            "pytest-fakeconf hit an internal error answering a request (a bug in the fake):\n"
            + "\n".join(server.fake.crashes),
            pytrace=False,
        )
