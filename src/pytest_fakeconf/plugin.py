"""The pytest glue: the ``fakeconf`` fixture, the ``fakeconf`` marker, the command-line
options (``--fakeconf-guard``, ``--fakeconf-seed``) and the 401 hint in failure reports.

pytest imports this module in every run of every project that installs the
package, so it imports nothing heavy: the fake (and ``responses``, ``requests``,
``aiohttp``, ``faker``) is imported when a test first asks for a fixture, and the
guard's patches only when the guard is switched on.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .fake import FakeTwilio
    from .server import FakeconfServer

MARKER_OPTIONS = (
    "seed",
    "account_sid",
    "auth_token",
    "conference_list_default",
    "recording_processing",
)
ENV_ACCOUNT_SID = "TWILIO_ACCOUNT_SID"
ENV_AUTH_TOKEN = "TWILIO_AUTH_TOKEN"

# The fake of the running test (fakeconf or fakeconf_server), for its failure report.
_FAKE = pytest.StashKey["FakeTwilio"]()
# The same fake for the "fakeconf story" section: kept until the teardown report (a
# teardown error tells the story too), then dropped.
_STORY = pytest.StashKey["FakeTwilio"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakeconf", "pytest-fakeconf")
    group.addoption(
        "--fakeconf-guard",
        action="store_true",
        default=None,
        help="fail at once any request to a Twilio host (*.twilio.com) made without the "
        "fakeconf fixture (requests and aiohttp). Default: off; ini: fakeconf_guard.",
    )
    group.addoption(
        "--fakeconf-seed",
        metavar="VALUE",
        default=None,
        help="salt every test's seed (the test's node id) with VALUE, so the fake's SIDs "
        "and default credentials change with it; a marker's explicit seed=... is used "
        "as given, unsalted. Default: no salt.",
    )
    group.addoption(
        "--fakeconf-story",
        choices=("on", "off"),
        default=None,
        help="on a failure of a test that used the fake, add a 'fakeconf story' section to "
        "the report: what the fake saw, per conference and call. Default: on; ini: "
        "fakeconf_story.",
    )
    group.addoption(
        "--fakeconf-story-lines",
        metavar="N",
        type=int,
        default=None,
        help="at most N lines per conference or call in the story (the middle is elided). "
        "Default: 40; ini: fakeconf_story_lines.",
    )
    parser.addini(
        "fakeconf_story", type="bool", default=True, help="like --fakeconf-story: on or off"
    )
    parser.addini(
        "fakeconf_story_lines", default="40", help="like --fakeconf-story-lines: lines per thread"
    )
    parser.addini(
        "fakeconf_guard",
        type="bool",
        default=False,
        help="like --fakeconf-guard: no request may reach a Twilio host without the fake",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fakeconf(seed=..., account_sid=..., auth_token=..., conference_list_default=..., "
        "recording_processing=...): configure the fakeconf fixture",
    )
    if guard_enabled(config):
        from .guard import TwilioGuard

        guard = TwilioGuard()
        guard.install()
        config.add_cleanup(guard.uninstall)


def guard_enabled(config: pytest.Config) -> bool:
    flag = config.getoption("fakeconf_guard", None)
    return bool(config.getini("fakeconf_guard") if flag is None else flag)


def pytest_collectstart(collector: pytest.Collector) -> None:
    spare_pytest_timing_from_freezegun()  # before a test module builds its freeze_time()s


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    spare_pytest_timing_from_freezegun()  # before a fixture builds its freeze_time()


def spare_pytest_timing_from_freezegun() -> None:
    """Keep ``--durations`` on the real clock when a test freezes time with freezegun.

    freezegun's default ignore list spares ``_pytest.runner.`` (a submodule prefix that
    never matches) but not ``_pytest.timing``, where pytest reads ``perf_counter``: a
    freeze started in a fixture made setup last 1714548017 s. A ``freeze_time()`` reads
    the ignore list when it is built, so this runs before collection and before each
    setup, only once freezegun is imported (never imported here), and it extends the
    list (``configure(extend_ignore_list=...)``) rather than replacing a user's own.
    """
    freezegun = sys.modules.get("freezegun")
    configure = getattr(freezegun, "configure", None)
    settings = getattr(sys.modules.get("freezegun.config"), "settings", None)
    if configure is None or "_pytest.timing" in getattr(settings, "default_ignore_list", ()):
        return
    configure(extend_ignore_list=["_pytest.timing"])


def fake_options(node: pytest.Item | Any) -> dict[str, Any]:
    """Options for the fake of ``node``: the closest ``fakeconf`` marker wins.

    Without a ``seed``, the test's node id seeds the fake, so a test gets the
    same SIDs alone, in the whole suite, and under pytest-xdist. ``--fakeconf-seed``
    salts that node-id seed; a marker's explicit seed is used as given.
    """
    config = getattr(node, "config", None)
    salt = None if config is None else config.getoption("fakeconf_seed", None)
    options: dict[str, Any] = {"seed": node.nodeid if salt is None else f"{salt}/{node.nodeid}"}
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
    """An in-memory fake of Twilio's Conference API, intercepting ``requests``.

    For the test, ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN`` hold the fake's
    credentials (``twilio.rest.Client()`` needs no arguments); they are restored after.
    """
    from .fake import FakeTwilio

    fake = FakeTwilio(**fake_options(request.node))
    request.node.stash[_FAKE] = fake
    request.node.stash[_STORY] = fake
    try:
        with pytest.MonkeyPatch.context() as env, fake:
            # The fake never adopts credentials already set: they may be real ones.
            env.setenv(ENV_ACCOUNT_SID, fake.account_sid)
            env.setenv(ENV_AUTH_TOKEN, fake.auth_token)
            yield fake
    finally:
        del request.node.stash[_FAKE]  # items live all session: keep no fake alive
    _fail_on_crashes(fake)


@pytest.fixture
def fakeconf_server(request: pytest.FixtureRequest) -> Iterator[FakeconfServer]:
    """The fake behind a real HTTP server on 127.0.0.1 and a free port.

    For clients that need a socket (other languages, subprocesses, browsers):
    ``fakeconf_server.base_url``, ``fakeconf_server.fake`` (the same scripting
    API as ``fakeconf``). Needs the ``server`` extra (waitress). Leaves the
    environment alone.
    """
    from .fake import FakeTwilio
    from .server import FakeconfServer

    server = FakeconfServer(FakeTwilio(**fake_options(request.node)), port=0)
    request.node.stash.setdefault(_FAKE, server.fake)
    request.node.stash.setdefault(_STORY, server.fake)
    try:
        with server:
            yield server
    finally:
        if request.node.stash.get(_FAKE, None) is server.fake:
            del request.node.stash[_FAKE]
    _fail_on_crashes(server.fake)


def _fail_on_crashes(fake: FakeTwilio) -> None:
    if fake.crashes:
        pytest.fail(
            "pytest-fakeconf hit an internal error answering a request (a bug in the fake):\n"
            + "\n".join(fake.crashes),
            pytrace=False,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """A failed test whose fake answered 401s gets a ``fakeconf`` report section
    saying which credentials were sent and which the fake expects; a failed test
    (or setup, or teardown) that used the fake gets its story (``fakeconf story``)."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    told = item.stash.get(_STORY, None)
    if call.when == "teardown" and told is not None:
        del item.stash[_STORY]  # items live all session: keep no fake alive
    if not report.failed:
        return
    fake = item.stash.get(_FAKE, None)
    hint = "" if fake is None else unauthorized_hint(fake)
    if hint:
        report.sections.append(("fakeconf", hint))
    if told is not None and story_enabled(item.config):
        report.sections.append(("fakeconf story", story_section(told, item.config)))


def story_enabled(config: pytest.Config) -> bool:
    flag = config.getoption("fakeconf_story", None)
    return bool(config.getini("fakeconf_story")) if flag is None else flag == "on"


def story_section(fake: FakeTwilio, config: pytest.Config) -> str:
    """The story of ``fake`` as text (built now: a passing test never pays for it)."""
    lines = config.getoption("fakeconf_story_lines", None)
    try:
        from .story import text
        from .story.model import build

        if lines is None:
            lines = int(config.getini("fakeconf_story_lines"))
        return text.render(build(fake), max_lines=lines)
    except Exception as error:  # a report must never break on the story
        return f"pytest-fakeconf could not tell the story: {type(error).__name__}: {error}"


def unauthorized_hint(fake: FakeTwilio) -> str:
    """What the 401s ``fake`` answered were sent with, against what it expects.

    Names account SIDs and API key SIDs only, never a token or a secret.
    """
    from .api.auth import basic_credentials

    sent: Counter[str] = Counter()
    example: dict[str, str] = {}
    for request in fake.requests:
        if request.status_code != 401:
            continue
        header = next((v for k, v in request.headers.items() if k.lower() == "authorization"), None)
        credentials = basic_credentials(header)
        what = _describe_username(fake, None if credentials is None else credentials[0], header)
        sent[what] += 1
        example.setdefault(what, f"{request.method} {request.path}")
    if not sent:
        return ""
    lines = [f"The fake answered {sum(sent.values())} request(s) with 401 (20003 Authenticate)."]
    for what, count in sent.items():
        lines.append(f"  sent {what}: {count} request(s), e.g. {example[what]}")
    lines += [
        f"  the fake expects account SID {fake.account_sid} with fakeconf.auth_token "
        "(or an API key made by fakeconf.create_api_key())",
        "Build the client inside the test: Client(fakeconf.account_sid, fakeconf.auth_token),",
        f"or Client() with no arguments (the fixture sets {ENV_ACCOUNT_SID} and {ENV_AUTH_TOKEN}).",
        "A client built earlier (at import, in a session fixture) keeps the credentials it was",
        "built with.",
    ]
    return "\n".join(lines)


def _describe_username(fake: FakeTwilio, username: str | None, header: object) -> str:
    if username is None:
        if header is None:
            return "no credentials (no Authorization header)"
        return "an Authorization header that is not HTTP Basic credentials"
    plain = username.isascii() and username.isalnum() and len(username) <= 64
    shown = username if plain else repr(username[:64]) + ("…" if len(username) > 64 else "")
    if username == fake.account_sid:
        return f"account SID {username} (the expected one: the auth token differs)"
    if username in fake.account_sids:
        return (
            f"account SID {username} (another account of this fake: its credentials open "
            "only its own /Accounts/{AccountSid} paths, or the auth token differs)"
        )
    if username.startswith("SK"):
        return f"API key SID {shown} (unknown to the fake, or its secret differs)"
    if username.startswith("AC"):
        return f"account SID {shown} (not the fake's)"
    return f"username {shown} (neither an account SID nor an API key SID)"
