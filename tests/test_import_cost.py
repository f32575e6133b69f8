"""Installing the plugin is cheap: pytest imports ``pytest_fakeconf.plugin`` in every
run of every project that installs it, so that import must not load the fake or the
HTTP libraries; they load when a test first asks for a fixture. The public names
still import from the package (on first access), for users and for type checkers.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pytest_fakeconf

pytest_plugins = ["pytester"]

# Modules the plugin's import must leave alone: the HTTP and data libraries, and the
# fake's own heavy parts.
HEAVY_LIBRARIES = ("responses", "aiohttp", "aioresponses", "faker", "requests", "twilio")
HEAVY_LIBRARIES += ("urllib3", "yarl", "multidict")
HEAVY_OWN = ("pytest_fakeconf.fake", "pytest_fakeconf.core", "pytest_fakeconf.api")
HEAVY_OWN += ("pytest_fakeconf.transports", "pytest_fakeconf.handles")

LOADED_HEAVY = f"""
import json, sys
{{import_line}}
libraries = {HEAVY_LIBRARIES!r}
own = {HEAVY_OWN!r}
print(json.dumps(sorted(
    name for name in sys.modules
    if name.split(".")[0] in libraries or any(name == o or name.startswith(o + ".") for o in own)
)))
"""


def heavy_modules_after(import_line: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running ``import_line``."""
    source = LOADED_HEAVY.replace("{import_line}", import_line)
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=120, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_importing_the_plugin_loads_nothing_heavy() -> None:
    assert heavy_modules_after("import pytest_fakeconf.plugin") == []


def test_importing_the_package_loads_nothing_heavy() -> None:
    assert heavy_modules_after("import pytest_fakeconf") == []
    assert heavy_modules_after("from pytest_fakeconf import __version__") == []


def test_the_check_sees_heavy_imports() -> None:
    # The check above can fail: importing a public class does load the fake.
    loaded = heavy_modules_after("from pytest_fakeconf import FakeTwilio")
    assert {"pytest_fakeconf.fake", "responses", "requests"} <= set(loaded)


def test_public_names_are_the_defining_modules_objects() -> None:
    from pytest_fakeconf.core.accounts import ApiKey
    from pytest_fakeconf.core.errors import FakeconfError, NotFoundError, TwilioError
    from pytest_fakeconf.core.events import Event
    from pytest_fakeconf.core.schedule import Scheduled
    from pytest_fakeconf.fake import FakeTwilio
    from pytest_fakeconf.handles import ConferenceHandle, ParticipantHandle, RecordingHandle
    from pytest_fakeconf.journal import RecordedRequest
    from pytest_fakeconf.webhooks.delivery import WebhookDelivery
    from pytest_fakeconf.webhooks.signature import signature

    expected = {
        "ApiKey": ApiKey,
        "ConferenceHandle": ConferenceHandle,
        "Event": Event,
        "FakeTwilio": FakeTwilio,
        "FakeconfError": FakeconfError,
        "NotFoundError": NotFoundError,
        "ParticipantHandle": ParticipantHandle,
        "RecordedRequest": RecordedRequest,
        "RecordingHandle": RecordingHandle,
        "Scheduled": Scheduled,
        "TwilioError": TwilioError,
        "WebhookDelivery": WebhookDelivery,
        "signature": signature,
    }
    for name, obj in expected.items():
        assert getattr(pytest_fakeconf, name) is obj, name
    assert pytest_fakeconf.__version__ == "0.1.0"
    assert set(pytest_fakeconf.__all__) >= {*expected, "__version__"}
    assert set(pytest_fakeconf.__all__) <= set(dir(pytest_fakeconf))


def test_every_public_name_imports_in_a_fresh_process() -> None:
    source = """
        import pytest_fakeconf
        from pytest_fakeconf import *
        missing = [n for n in pytest_fakeconf.__all__ if n not in globals()]
        assert not missing, missing
        from pytest_fakeconf import FakeTwilio, TwilioError
        with FakeTwilio(seed=1) as fake:
            assert fake.started
        assert issubclass(TwilioError, Exception)
        print("ok")
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = pytest_fakeconf.no_such_thing  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        from pytest_fakeconf import no_such_thing  # type: ignore[attr-defined]  # noqa: F401


def test_type_checking_imports_match_the_lazy_table() -> None:
    """mypy reads the TYPE_CHECKING imports, users get _LAZY: the two must agree."""
    tree = ast.parse(Path(pytest_fakeconf.__file__).read_text())
    seen: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
                for alias in statement.names:
                    seen[alias.asname or alias.name] = "." * statement.level + (
                        statement.module or ""
                    )
    lazy = pytest_fakeconf._LAZY
    assert seen == lazy
    assert set(lazy) == set(pytest_fakeconf.__all__) - {"__version__"}


def test_a_pytest_run_loads_the_fake_only_for_a_test_that_uses_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import sys

        HEAVY = ("pytest_fakeconf.fake", "responses", "requests", "faker", "aiohttp")

        def test_without_the_fixture():
            assert [m for m in HEAVY if m in sys.modules] == []

        def test_with_the_fixture(fakeconf):
            assert fakeconf.started
            assert "pytest_fakeconf.fake" in sys.modules and "responses" in sys.modules
            assert "faker" not in sys.modules  # Faker waits for generate_history
        """
    )
    # A subprocess: this process has long imported everything. Faker's own pytest
    # plugin (installed with faker) imports faker in every run: it is not ours. The other
    # third-party plugins only cost the run time (hypothesis's alone ~2 s of CPU).
    result = pytester.runpytest_subprocess(
        "-p", "no:faker", "-p", "no:hypothesispytest", "-p", "no:asyncio", "-p", "no:anyio",
        "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(passed=2)
