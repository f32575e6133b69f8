"""``--durations`` stays on the real clock while a test freezes time: freezegun patches
``_pytest.timing`` unless the plugin adds it to freezegun's ignore list; time-machine
leaves ``time.perf_counter`` (what pytest measures durations with) alone."""

from __future__ import annotations

import re
import sys
import types

import freezegun.config
import pytest

from pytest_fakeconf.plugin import spare_pytest_timing_from_freezegun

from .conftest import without_unused_plugins


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return without_unused_plugins(pytester, monkeypatch)


DURATION = re.compile(r"^(\d+\.\d+)s (setup|call|teardown) +(\S+)$", re.MULTILINE)

FROZEN_SUITE = {
    # freezegun is imported before the test module is collected, and that module builds
    # a freeze_time() at import: the ignore list must be extended before collection.
    "conftest": "import freezegun  # noqa: F401\n",
    "test_frozen": """
        import datetime as dt
        import time

        import pytest
        import time_machine
        from freezegun import freeze_time

        T0 = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.timezone.utc)
        BUILT_AT_IMPORT = freeze_time(T0)

        @pytest.fixture
        def frozen_in_fixture():
            with freeze_time(T0):  # starts in setup, stops in teardown
                yield

        @pytest.fixture
        def frozen_at_import():
            with BUILT_AT_IMPORT:
                yield

        @pytest.fixture
        def travelled():
            with time_machine.travel(T0, tick=False):
                yield

        def test_freezegun_fixture(frozen_in_fixture):
            assert time.time() == T0.timestamp()

        def test_freezegun_built_at_import(frozen_at_import):
            assert time.time() == T0.timestamp()

        def test_time_machine(travelled):
            assert time.time() == T0.timestamp()
        """,
}


def durations(result: pytest.RunResult) -> dict[tuple[str, str], float]:
    found = {
        (node.rsplit("::", 1)[-1], when): float(seconds)
        for seconds, when, node in DURATION.findall(result.stdout.str())
    }
    assert found, result.stdout.str()
    return found


@pytest.fixture
def fresh_freezegun_settings(monkeypatch: pytest.MonkeyPatch) -> freezegun.config.Settings:
    """freezegun's own defaults, whatever this process's plugin already configured."""
    settings = freezegun.config.Settings()
    monkeypatch.setattr(freezegun.config, "settings", settings)
    return settings


@pytest.mark.usefixtures("fresh_freezegun_settings")
def test_durations_are_real_seconds_under_freezegun_and_time_machine(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(**FROZEN_SUITE)
    result = pytester.runpytest("-p", "no:randomly", "--durations=0", "-vv")
    result.assert_outcomes(passed=3)
    seen = durations(result)
    tests = ("test_freezegun_fixture", "test_freezegun_built_at_import", "test_time_machine")
    assert {test for test, _ in seen} == set(tests)
    for (test, when), seconds in seen.items():
        assert seconds < 60, f"{test} {when}: {seconds} s"
    assert "_pytest.timing" in freezegun.config.settings.default_ignore_list


@pytest.mark.usefixtures("fresh_freezegun_settings")
def test_without_the_plugin_freezegun_breaks_durations(pytester: pytest.Pytester) -> None:
    """The control: the suite above does reproduce the problem the plugin fixes. (Should
    freezegun ever spare ``_pytest.timing`` itself, this test may go.)"""
    pytester.makepyfile(**FROZEN_SUITE)
    result = pytester.runpytest("-p", "no:fakeconf", "-p", "no:randomly", "--durations=0", "-vv")
    result.assert_outcomes(passed=3)
    seen = durations(result)
    assert seen[("test_freezegun_fixture", "setup")] > 1e9  # the frozen epoch, not seconds
    assert seen[("test_time_machine", "setup")] < 60


def test_a_users_own_ignore_list_is_extended_not_replaced(
    fresh_freezegun_settings: freezegun.config.Settings,
) -> None:
    freezegun.configure(default_ignore_list=["mine."])
    spare_pytest_timing_from_freezegun()
    spare_pytest_timing_from_freezegun()  # once is enough
    assert freezegun.config.settings.default_ignore_list == ["mine.", "_pytest.timing"]


def test_nothing_happens_until_freezegun_is_imported(
    fresh_freezegun_settings: freezegun.config.Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = list(fresh_freezegun_settings.default_ignore_list)
    monkeypatch.delitem(sys.modules, "freezegun")
    spare_pytest_timing_from_freezegun()
    assert "freezegun" not in sys.modules  # not imported by the plugin
    assert fresh_freezegun_settings.default_ignore_list == before


def test_a_freezegun_without_configure_is_left_alone(
    fresh_freezegun_settings: freezegun.config.Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = list(fresh_freezegun_settings.default_ignore_list)
    monkeypatch.setitem(sys.modules, "freezegun", types.ModuleType("freezegun"))
    spare_pytest_timing_from_freezegun()
    assert fresh_freezegun_settings.default_ignore_list == before
