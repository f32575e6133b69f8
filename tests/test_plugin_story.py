"""The ``fakeconf story`` report section: a failed test that used the fake tells what the
fake saw; a passing one adds nothing. ``--fakeconf-story=off`` and ini
``fakeconf_story = false`` turn it off; ``--fakeconf-story-lines`` bounds it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

STORY = """
import datetime as dt
import pytest
from twilio.rest import Client

def tell(fakeconf):
    fakeconf.clock.freeze(dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.timezone.utc))
    client = Client()
    one = client.conferences("One").participants.create(
        from_="+15017122661", to="client:alice", label="alice")
    fakeconf.clock.advance(30)
    client.conferences("Two").participants.create(
        from_="+15017122661", to="client:bob", label="bob", muted=True)
    fakeconf.clock.advance(30)
    client.conferences(one.conference_sid).participants("alice").update(hold=True)

def test_fails(fakeconf):
    tell(fakeconf)
    assert False, "the app did not hang up"

def test_passes(fakeconf):
    tell(fakeconf)

def test_without_the_fake():
    assert False
"""


# Plugins the inner runs do without: each inner run loads its plugins afresh.
LEAN = ("-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:hypothesispytest")
LEAN += ("-p", "no:faker", "-p", "no:xdist", "-p", "no:asyncio", "-p", "no:anyio")


def sections(pytester: pytest.Pytester, *args: str) -> dict[tuple[str, str], dict[str, str]]:
    """Each report's sections, by (test name, phase)."""
    recorder = pytester.inline_run(*LEAN, *args)
    return {
        (report.nodeid.rpartition("::")[2], report.when): dict(report.sections)
        for report in recorder.getreports("pytest_runtest_logreport")
    }


def test_a_failed_test_tells_the_story_per_conference(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(STORY)
    found = sections(pytester)

    story = found[("test_fails", "call")]["fakeconf story"]
    lines = story.splitlines()
    assert lines[0] == (
        "The fake saw 3 requests, 11 events, 0 webhooks, 0 alerts (times: the fake's clock, UTC)."
    )
    one = next(i for i, line in enumerate(lines) if "'One'" in line)
    two = next(i for i, line in enumerate(lines) if "'Two'" in line)
    assert lines[one].startswith("conference CF") and lines[one].endswith(
        "'One' (init) — 2026-12-02"
    )
    first, second = lines[one + 1 : two], lines[two + 1 :]
    assert first[0] == "  10:00:00 event conference-create"
    assert any(line.startswith("  10:00:00 event participant-join alice (CA") for line in first)
    assert "  10:00:00 req   POST /Conferences/One/Participants.json → 201" in "\n".join(first)
    assert first[-2].startswith("  10:01:00 event participant-hold alice (CA")
    assert first[-1].startswith("  10:01:00 req   POST /Conferences/CF")
    assert first[-1].endswith("/Participants/alice.json → 200 Hold=true")
    assert any(line.endswith(") muted") and "bob" in line for line in second)
    assert not any("alice" in line for line in second)
    # what a passing test, and a test without the fake, report: no story
    assert "fakeconf story" not in found[("test_passes", "call")]
    assert "fakeconf story" not in found[("test_without_the_fake", "call")]


def test_the_section_shows_in_the_terminal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(STORY)
    result = pytester.runpytest(*LEAN, "-k", "fails")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- fakeconf story -*",
            "The fake saw 3 requests, 11 events*",
            "conference CF* 'One' (init) — 2026-12-02",
            "  10:00:00 event conference-create",
        ]
    )


@pytest.mark.parametrize(
    ("args", "ini", "told"),
    [
        (("--fakeconf-story=off",), "", False),
        ((), "fakeconf_story = false", False),
        (("--fakeconf-story=on",), "fakeconf_story = false", True),
        ((), "fakeconf_story = true", True),
    ],
)
def test_the_option_and_the_ini_turn_it_off(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str, told: bool
) -> None:
    pytester.makepyfile(STORY)
    pytester.makeini(f"[pytest]\n{ini}\n")
    found = sections(pytester, "-k", "fails", *args)
    assert ("fakeconf story" in found[("test_fails", "call")]) is told


LONG = """
import pytest

def test_many(fakeconf):
    import requests
    session = requests.Session()
    session.auth = (fakeconf.account_sid, fakeconf.auth_token)
    base = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}"
    for i in range(60):
        session.get(f"{base}/Conferences/room-{i}.json")
    assert False
"""


@pytest.mark.parametrize(
    ("args", "ini", "lines"),
    [
        ((), "", 40),
        (("--fakeconf-story-lines=10",), "", 10),
        ((), "fakeconf_story_lines = 6", 6),
    ],
)
def test_long_runs_are_elided_in_the_middle(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str, lines: int
) -> None:
    pytester.makepyfile(LONG)
    pytester.makeini(f"[pytest]\n{ini}\n")
    story = sections(pytester, *args)[("test_many", "call")]["fakeconf story"].splitlines()
    body = story[2:]
    assert len(body) == lines
    head = (lines - 1) // 2
    assert body[head] == f"  … {60 - lines + 1} more …"
    assert body[0].startswith("! ") and "GET /Conferences/room-0.json → 404 20404 " in body[0]
    assert all(len(line) <= 120 for line in story)
    assert "room-59.json" in body[-1]


ERRORS = """
import pytest

@pytest.fixture
def broken_setup(fakeconf):
    fakeconf.create_conference("Set up")
    raise RuntimeError("setup broke")

@pytest.fixture
def broken_teardown(fakeconf):
    yield
    fakeconf.create_conference("Torn down")
    raise RuntimeError("teardown broke")

def test_setup(broken_setup):
    pass

def test_teardown(broken_teardown):
    pass

def test_server(fakeconf_server):
    fakeconf_server.fake.create_conference("Served")
    assert False
"""


def test_setup_and_teardown_errors_tell_it_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(ERRORS)
    found = sections(pytester)
    assert "'Set up'" in found[("test_setup", "setup")]["fakeconf story"]
    assert "'Torn down'" in found[("test_teardown", "teardown")]["fakeconf story"]
    assert "fakeconf story" not in found[("test_teardown", "call")]
    assert "'Served'" in found[("test_server", "call")]["fakeconf story"]


def test_a_story_that_cannot_be_told_does_not_break_the_report(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import pytest
        from pytest_fakeconf.story import model

        @pytest.fixture(autouse=True)
        def broken_story(monkeypatch):
            def build(fake, **kwargs):
                raise RuntimeError("no story today")
            monkeypatch.setattr(model, "build", build)
        """
    )
    pytester.makepyfile(STORY)
    story = sections(pytester, "-k", "fails")[("test_fails", "call")]["fakeconf story"]
    assert story == "pytest-fakeconf could not tell the story: RuntimeError: no story today"
