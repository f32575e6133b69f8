"""The fixture's credentials in the environment (``twilio.rest.Client()`` with no
arguments) and the ``fakeconf`` section a failing test gets when the fake answered 401."""

from __future__ import annotations

import pytest
import requests
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

from .conftest import without_unused_plugins

pytest_plugins = ["pytester"]


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return without_unused_plugins(pytester, monkeypatch)


REAL_SID = "AC" + "1234abcd" * 4  # stands for real credentials set outside the test
REAL_TOKEN = "real-token-never-printed"
MARKER_SID = "AC" + "0" * 32


def test_client_without_arguments_uses_the_fakes_credentials(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Env")
    client = Client()
    assert client.username == fakeconf.account_sid
    assert client.conferences(room.sid).fetch().friendly_name == "Env"
    assert fakeconf.requests[-1].status_code == 200


def test_the_environment_is_set_for_the_test_and_restored_after(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", REAL_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", REAL_TOKEN)
    pytester.makepyfile(
        f"""
        import os
        import pytest
        from twilio.rest import Client

        def test_before():
            assert os.environ["TWILIO_ACCOUNT_SID"] == {REAL_SID!r}

        def test_fake_keeps_its_own_credentials(fakeconf):
            # the values already set are not adopted: they may be real credentials
            assert fakeconf.account_sid != {REAL_SID!r}
            assert os.environ["TWILIO_ACCOUNT_SID"] == fakeconf.account_sid
            assert os.environ["TWILIO_AUTH_TOKEN"] == fakeconf.auth_token
            room = fakeconf.create_conference("x")
            assert Client().conferences(room.sid).fetch().sid == room.sid

        def test_fails_with_the_fake(fakeconf):
            assert os.environ["TWILIO_AUTH_TOKEN"] == fakeconf.auth_token
            raise AssertionError("boom")

        @pytest.mark.fakeconf(seed=3, account_sid={MARKER_SID!r}, auth_token="marker-token")
        def test_marker_credentials_win(fakeconf):
            assert os.environ["TWILIO_ACCOUNT_SID"] == {MARKER_SID!r}
            assert os.environ["TWILIO_AUTH_TOKEN"] == "marker-token"

        def test_after():
            assert os.environ["TWILIO_ACCOUNT_SID"] == {REAL_SID!r}
            assert os.environ["TWILIO_AUTH_TOKEN"] == {REAL_TOKEN!r}
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4, failed=1)
    assert REAL_TOKEN not in result.stdout.str()


def test_unset_variables_are_unset_again_after(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    pytester.makepyfile(
        """
        import os

        def test_with(fakeconf):
            assert os.environ["TWILIO_ACCOUNT_SID"] == fakeconf.account_sid

        def test_after():
            assert "TWILIO_ACCOUNT_SID" not in os.environ
            assert "TWILIO_AUTH_TOKEN" not in os.environ
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_fake_twilio_and_the_server_fixture_leave_the_environment_alone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", REAL_SID)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    pytester.makepyfile(
        f"""
        import os
        from pytest_fakeconf import FakeTwilio

        def test_plain_fake():
            with FakeTwilio(seed=1) as fake:
                assert fake.account_sid != {REAL_SID!r}
                assert os.environ["TWILIO_ACCOUNT_SID"] == {REAL_SID!r}
                assert "TWILIO_AUTH_TOKEN" not in os.environ

        def test_server(fakeconf_server):
            assert os.environ["TWILIO_ACCOUNT_SID"] == {REAL_SID!r}
            assert "TWILIO_AUTH_TOKEN" not in os.environ
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


# -- the 401 hint ---------------------------------------------------------------------------

HINT_TESTS = f"""
import requests
import pytest
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

REAL = Client({REAL_SID!r}, {REAL_TOKEN!r})  # built before any test: the usual mistake

def test_client_built_at_import(fakeconf):
    room = fakeconf.create_conference("r")
    REAL.conferences(room.sid).fetch()

def test_right_sid_wrong_token(fakeconf):
    Client(fakeconf.account_sid, "not-the-token").conferences.list()

def test_api_key(fakeconf):
    Client("SK" + "f" * 32, "secret-never-printed", fakeconf.account_sid).conferences.list()

def test_no_credentials(fakeconf):
    url = f"https://api.twilio.com/2010-04-01/Accounts/{{fakeconf.account_sid}}/Conferences.json"
    assert requests.get(url).status_code == 200

def test_401_but_passes(fakeconf):
    with pytest.raises(TwilioException):
        REAL.conferences.list()

def test_other_account_on_the_main_path(fakeconf):
    other = fakeconf.add_account()
    Client(other.account_sid, other.auth_token, fakeconf.account_sid).conferences.list()

def test_fails_without_401(fakeconf):
    Client().conferences.list()
    assert False, "no 401 here"
"""


@pytest.fixture(scope="module")
def hint_runs() -> dict[str, pytest.RunResult]:
    """The inner run's result, kept for the module: the tests below only read it."""
    return {}


@pytest.fixture
def hint_run(
    hint_runs: dict[str, pytest.RunResult], request: pytest.FixtureRequest
) -> pytest.RunResult:
    if "result" not in hint_runs:
        pytester: pytest.Pytester = request.getfixturevalue("pytester")
        pytester.makepyfile(test_hint=HINT_TESTS)
        result = pytester.runpytest("-p", "no:randomly", "-rA")
        result.assert_outcomes(passed=1, failed=6)
        hint_runs["result"] = result
    return hint_runs["result"]


def section(result: pytest.RunResult, test: str) -> str:
    """The ``fakeconf`` section of ``test``'s failure report, or ''."""
    out = result.stdout.str()
    start = out.index(f"_ {test} _")
    end = out.find("\n___", start + 1)
    block = out[start : end if end != -1 else len(out)]
    marker = "- fakeconf -"
    if marker not in block:
        return ""
    return block.split(marker, 1)[1]


def expected_sid(result: pytest.RunResult, test: str) -> str:
    text = section(result, test)
    line = next(x for x in text.splitlines() if "the fake expects account SID" in x)
    return line.split("account SID ")[1].split()[0]


def test_a_client_with_other_credentials_gets_the_sids_named(hint_run: pytest.RunResult) -> None:
    text = section(hint_run, "test_client_built_at_import")
    assert f"sent account SID {REAL_SID} (not the fake's): 1 request(s)" in text
    assert "the fake expects account SID AC" in text
    assert expected_sid(hint_run, "test_client_built_at_import") != REAL_SID
    assert "Client() with no arguments" in text
    assert REAL_TOKEN not in text


def test_the_right_sid_with_a_wrong_token_says_the_token_differs(
    hint_run: pytest.RunResult,
) -> None:
    text = section(hint_run, "test_right_sid_wrong_token")
    sid = expected_sid(hint_run, "test_right_sid_wrong_token")
    assert f"sent account SID {sid} (the expected one: the auth token differs)" in text
    assert "not-the-token" not in text


def test_another_account_of_the_fake_is_named_as_one(hint_run: pytest.RunResult) -> None:
    text = section(hint_run, "test_other_account_on_the_main_path")
    assert "(another account of this fake: its credentials open only its own" in text
    assert "(not the fake's)" not in text


def test_an_api_key_is_named_as_one(hint_run: pytest.RunResult) -> None:
    text = section(hint_run, "test_api_key")
    assert f"sent API key SID SK{'f' * 32} (unknown to the fake" in text
    assert "secret-never-printed" not in text


def test_no_authorization_header(hint_run: pytest.RunResult) -> None:
    text = section(hint_run, "test_no_credentials")
    assert "sent no credentials (no Authorization header): 1 request(s), e.g. GET /2010" in text


def test_no_section_for_a_passing_test_or_a_failure_without_401(
    hint_run: pytest.RunResult,
) -> None:
    assert section(hint_run, "test_fails_without_401") == ""
    assert "test_401_but_passes" in hint_run.stdout.str()  # -rA lists it as passed
    assert hint_run.stdout.str().count("- fakeconf -") == 5


def test_the_hint_helper_on_a_fake_without_401s() -> None:
    from pytest_fakeconf.plugin import unauthorized_hint

    with FakeTwilio(seed=1) as fake:
        assert unauthorized_hint(fake) == ""
        url = f"https://api.twilio.com/2010-04-01/Accounts/{fake.account_sid}.json"
        assert requests.get(url, auth=(fake.account_sid, "wrong")).status_code == 401
        assert "the auth token differs" in unauthorized_hint(fake)
