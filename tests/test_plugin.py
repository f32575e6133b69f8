"""The pytest plugin itself, exercised in inner pytest runs with pytester."""

from __future__ import annotations

import json

import pytest

from .conftest import without_unused_plugins

pytest_plugins = ["pytester"]


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return without_unused_plugins(pytester, monkeypatch)


RECORD_SIDS = """
import json, pathlib, pytest

def record(fakeconf, request):
    room = fakeconf.create_conference("r")
    out = pathlib.Path(request.config.rootpath, "sids.jsonl")
    with out.open("a") as f:
        f.write(json.dumps([request.node.nodeid, fakeconf.account_sid, room.sid]) + "\\n")

def test_a(fakeconf, request):
    record(fakeconf, request)

def test_b(fakeconf, request):
    record(fakeconf, request)

@pytest.mark.fakeconf(seed=7)
def test_seeded_1(fakeconf, request):
    record(fakeconf, request)

@pytest.mark.fakeconf(seed=7)
def test_seeded_2(fakeconf, request):
    record(fakeconf, request)
"""


def read_sids(pytester: pytest.Pytester) -> dict[str, tuple[str, str]]:
    lines = (pytester.path / "sids.jsonl").read_text().splitlines()
    (pytester.path / "sids.jsonl").unlink()
    return {node: (account, sid) for node, account, sid in map(json.loads, lines)}


def test_fixture_is_registered_by_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_fakeconf import FakeTwilio
        def test_it(fakeconf):
            assert isinstance(fakeconf, FakeTwilio)
            assert fakeconf.started
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["*@pytest.mark.fakeconf(seed=*"])


def test_each_test_gets_its_own_store(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_first(fakeconf):
            fakeconf.create_conference("Shared name")
            assert len(fakeconf.conferences) == 1

        def test_second(fakeconf):
            assert fakeconf.conferences == []
            fakeconf.create_conference("Shared name")  # no clash with the first test's room
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_sids_are_deterministic_per_test_and_differ_between_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_sids=RECORD_SIDS)
    pytester.runpytest().assert_outcomes(passed=4)
    whole = read_sids(pytester)
    pytester.runpytest("test_sids.py::test_b").assert_outcomes(passed=1)
    alone = read_sids(pytester)
    assert alone["test_sids.py::test_b"] == whole["test_sids.py::test_b"]
    assert whole["test_sids.py::test_a"] != whole["test_sids.py::test_b"]
    assert whole["test_sids.py::test_seeded_1"] == whole["test_sids.py::test_seeded_2"]


def test_sids_are_the_same_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sids=RECORD_SIDS)
    pytester.runpytest().assert_outcomes(passed=4)  # in-process: no xdist here
    serial = read_sids(pytester)
    pytester.runpytest_subprocess("-n", "2").assert_outcomes(passed=4)
    assert read_sids(pytester) == serial


def test_closest_marker_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.fakeconf(auth_token="module", account_sid="AC" + "1" * 32)

        @pytest.mark.fakeconf(auth_token="class")
        class TestIt:
            @pytest.mark.fakeconf(auth_token="function")
            def test_function(self, fakeconf):
                assert fakeconf.auth_token == "function"
                assert fakeconf.account_sid == "AC" + "1" * 32

            def test_class(self, fakeconf):
                assert fakeconf.auth_token == "class"

        def test_module(fakeconf):
            assert fakeconf.auth_token == "module"
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


@pytest.mark.parametrize(
    "marker",
    ["pytest.mark.fakeconf(colour='red')", "pytest.mark.fakeconf(3)"],
)
def test_bad_marker_is_a_usage_error(pytester: pytest.Pytester, marker: str) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @{marker}
        def test_it(fakeconf):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*fakeconf*"])


def test_bad_account_sid_in_marker_errors_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakeconf(account_sid="nope")
        def test_it(fakeconf):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*account_sid must be 'AC' + 32 hex digits*"])


def test_interception_ends_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests
        from requests.adapters import HTTPAdapter

        ORIGINAL = HTTPAdapter.send
        kept = []

        def test_uses_the_fake(fakeconf):
            assert HTTPAdapter.send is not ORIGINAL
            kept.append(fakeconf)

        def test_after(monkeypatch):
            assert HTTPAdapter.send is ORIGINAL
            assert not kept[0].started
            seen = []
            def send(self, req, **kw):
                seen.append(req.url)
                raise ZeroDivisionError
            monkeypatch.setattr(HTTPAdapter, "send", send)
            try:
                requests.get("https://api.twilio.com/2010-04-01/Accounts.json")
            except ZeroDivisionError:
                pass
            assert seen == ["https://api.twilio.com/2010-04-01/Accounts.json"]
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_an_internal_error_of_the_fake_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests

        def test_it(fakeconf, monkeypatch):
            def boom(request):
                raise RuntimeError("kaboom")
            monkeypatch.setattr(fakeconf._api, "handle", boom)
            response = requests.get(
                f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences.json",
                auth=(fakeconf.account_sid, fakeconf.auth_token),
            )
            assert response.status_code == 500
            assert response.json()["code"] == 20500
        """
    )
    # In a subprocess: this suite's own spec check (conftest.py) would flag the 500 first.
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*internal error*", "*RuntimeError: kaboom*"])
