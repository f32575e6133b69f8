"""Every ```python block of README.md and docs/*.md runs, so none can rot.

A block that defines module-level ``test_*`` functions is a test file: every such
block is one file of ONE inner pytest run (a subprocess), and each of its tests must
pass. Any other block is
a script, executed with ``exec``. A block may be preceded by a declaration (an HTML
comment the rendered page does not show):

- ``<!-- snippet: setup=NAME -->``: run :data:`SETUPS` [NAME] first (for a script,
  ``fakeconf`` is then a started ``FakeTwilio``, stopped afterwards);
- ``<!-- snippet: expect=failed -->``: a test snippet that shows a failure (what the
  report then says): each of its tests must fail;
- ``<!-- snippet: skip-run: REASON -->``: not run, for the reason given; every such
  block is listed by :func:`test_skipped_snippets_are_few_and_have_reasons`.

Blocks of other languages (sh, js, text) are not run.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from pytest_fakeconf import FakeTwilio

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
DECLARATION = re.compile(r"<!--\s*snippet:\s*([^<>]*?)\s*-->\s*\Z")
TEST_FUNCTION = re.compile(r"^(?:async )?def (test_\w*)\(", re.MULTILINE)

# What a script declared with ``setup=NAME`` runs first.
SETUPS = {
    "fakeconf": (
        "from pytest_fakeconf import FakeTwilio\nfakeconf = FakeTwilio(seed='docs').start()\n"
    ),
}
# Blocks that may stay unrun, at most; each needs a reason in its declaration.
MAX_SKIPPED = 2
INNER_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


@dataclass(frozen=True)
class Snippet:
    page: Path
    line: int  # of the opening fence, 1-based
    code: str
    setup: str | None = None
    skip: str | None = None
    expect: str = "passed"

    @property
    def id(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page.name
        return f"{page}:{self.line}"

    @property
    def tests(self) -> list[str]:
        return TEST_FUNCTION.findall(self.code)


def parse_declaration(text: str) -> dict[str, str]:
    """``setup=NAME``, ``expect=failed`` or ``skip-run: REASON`` of a
    ``<!-- snippet: … -->`` comment."""
    if text.startswith("skip-run:"):
        return {"skip": text.removeprefix("skip-run:").strip()}
    options = {}
    for item in text.split():
        key, sep, value = item.partition("=")
        allowed = {"setup": SETUPS, "expect": ("failed",)}.get(key, ())
        if not sep or value not in allowed:
            raise ValueError(f"unknown snippet declaration {item!r}")
        options[key] = value
    return options


def snippets(page: Path) -> list[Snippet]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        if match.group(1) != "python":
            continue
        before = text[: match.start()].rstrip()
        declared = DECLARATION.search(before)
        options = parse_declaration(declared.group(1)) if declared else {}
        line = text.count("\n", 0, match.start()) + 1
        found.append(Snippet(page, line, match.group(2), **options))
    return found


ALL = [snippet for page in PAGES for snippet in snippets(page)]


def test_the_pages_have_snippets() -> None:
    assert len(PAGES) >= 10, PAGES  # the README and its task pages
    assert len(ALL) >= 30
    assert all(s.tests or s.setup or "import" in s.code for s in ALL if not s.skip)


def run_tests(found: list[Snippet], directory: Path) -> dict[str, dict[str, str]]:
    """Run the test snippets in ONE inner pytest (a subprocess: each inner run costs
    seconds of plugin loading), one file each; the outcome of every test by file."""
    for number, snippet in enumerate(found):
        (directory / f"test_snippet_{number}.py").write_text(snippet.code, encoding="utf-8")
    (directory / "pytest.ini").write_text(INNER_INI, encoding="utf-8")
    report = directory / "report.xml"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly"]
    # Not an xdist worker, whatever the outer run is (coverage's variables are kept).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_ADD"))}
    subprocess.run(
        [*command, f"--junitxml={report}", "-q"], cwd=directory, env=env, check=False, timeout=900
    )
    outcomes: dict[str, dict[str, str]] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        problems = [
            p for tag in ("failure", "error", "skipped") if (p := case.find(tag)) is not None
        ]
        # "passed", or what went wrong (the tail of the traceback: it ends on the error)
        outcome = "passed"
        for problem in problems[:1]:
            outcome = f"{problem.tag}: …{(problem.text or '')[-1500:]}"
        module = case.get("classname", "").rpartition(".")[2] or case.get("classname", "")
        outcomes.setdefault(module, {})[case.get("name", "")] = outcome
    return {
        snippet.id: outcomes.get(f"test_snippet_{number}", {})
        for number, snippet in enumerate(found)
    }


@pytest.fixture(scope="session")
def snippet_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return run_tests([s for s in ALL if s.tests and not s.skip], tmp_path_factory.mktemp("docs"))


def check_snippet(snippet: Snippet, outcomes: dict[str, dict[str, str]]) -> None:
    if snippet.tests:
        assert snippet.setup is None, "a test snippet needs no setup: it takes its fixtures"
        got = outcomes.get(snippet.id, {})
        if snippet.expect == "failed":
            assert sorted(got) == sorted(snippet.tests), got
            assert all(outcome.startswith("failure: ") for outcome in got.values()), got
        else:
            assert got == dict.fromkeys(snippet.tests, "passed")
        return
    prelude = SETUPS[snippet.setup] if snippet.setup else ""
    namespace: dict[str, object] = {"__name__": "__snippet__"}
    code = compile(prelude + snippet.code, snippet.id, "exec")
    try:
        exec(code, namespace)
    finally:
        for value in namespace.values():
            if isinstance(value, FakeTwilio) and value.started:
                value.stop()


@pytest.mark.parametrize("snippet", [s for s in ALL if not s.skip], ids=lambda s: s.id)
def test_snippet_runs(snippet: Snippet, request: pytest.FixtureRequest) -> None:
    check_snippet(snippet, request.getfixturevalue("snippet_outcomes") if snippet.tests else {})


def test_skipped_snippets_are_few_and_have_reasons() -> None:
    skipped = {s.id: s.skip for s in ALL if s.skip is not None}
    assert len(skipped) <= MAX_SKIPPED, skipped
    assert all(reason for reason in skipped.values()), skipped


def test_declarations_are_checked() -> None:
    assert parse_declaration("setup=fakeconf") == {"setup": "fakeconf"}
    assert parse_declaration("skip-run: needs a phone") == {"skip": "needs a phone"}
    assert parse_declaration("expect=failed") == {"expect": "failed"}
    for bad in ("setup=nothing", "run=fakeconf", "fakeconf", "expect=passed"):
        with pytest.raises(ValueError, match="unknown snippet declaration"):
            parse_declaration(bad)


def test_a_failing_snippet_fails(tmp_path: Path) -> None:
    """The runner is able to fail: a broken test snippet, and a broken script."""
    page = tmp_path / "page.md"
    page.write_text(
        "```python\ndef test_broken(fakeconf):\n    assert fakeconf.conferences\n```\n\n"
        "```python\ndef test_fine(fakeconf):\n    assert not fakeconf.conferences\n```\n\n"
        "<!-- snippet: setup=fakeconf -->\n```python\nassert fakeconf.calls\n```\n"
        "```sh\nexit 1\n```\n",
        encoding="utf-8",
    )
    broken, fine, script = snippets(page)
    assert (broken.tests, broken.setup) == (["test_broken"], None)
    assert (script.tests, script.setup, script.line) == ([], "fakeconf", 12)
    inner = tmp_path / "inner"
    inner.mkdir()
    outcomes = run_tests([broken, fine], inner)
    assert outcomes[fine.id] == {"test_fine": "passed"}
    assert outcomes[broken.id]["test_broken"].startswith("failure: …")
    assert "assert fakeconf.conferences" in outcomes[broken.id]["test_broken"]
    check_snippet(fine, outcomes)
    check_snippet(dataclasses.replace(broken, expect="failed"), outcomes)
    with pytest.raises(AssertionError):
        check_snippet(broken, outcomes)
    with pytest.raises(AssertionError):
        check_snippet(dataclasses.replace(fine, expect="failed"), outcomes)
    with pytest.raises(AssertionError):
        check_snippet(script, outcomes)
