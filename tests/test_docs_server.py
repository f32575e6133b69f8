"""docs/server.md names every control endpoint and every ``fakeconf serve`` option.

Both come from the code (``server.control.ENDPOINTS``, ``server.cli.build_parser``), so
an endpoint or option added without its documentation fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from pytest_fakeconf.server.cli import build_parser
from pytest_fakeconf.server.control import ENDPOINTS, PREFIX

PAGE = Path(__file__).resolve().parent.parent / "docs" / "server.md"
ROW_ENDPOINT = re.compile(r"`(GET|POST|DELETE|PUT|PATCH) ([^`]+)`")
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def normalise(method: str, path: str) -> str:
    """``POST conferences/{}/end``: the method and the path under the prefix."""
    return f"{method} {PLACEHOLDER.sub('{}', path.removeprefix(PREFIX).strip('/'))}"


def documented_endpoints(markdown: str) -> set[str]:
    """The endpoints on the rows of the page's control table (its first column)."""
    found = set()
    for line in markdown.splitlines():
        if line.startswith("| `"):
            first_column = line.split("|")[1]
            found |= {normalise(m, p) for m, p in ROW_ENDPOINT.findall(first_column)}
    return found


def serve_options() -> set[str]:
    parser = build_parser()
    serve = next(
        choice
        for action in parser._subparsers._group_actions  # type: ignore[union-attr]
        for name, choice in action.choices.items()
        if name == "serve"
    )
    return {
        option
        for action in serve._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def test_every_control_endpoint_is_in_the_table() -> None:
    documented = documented_endpoints(PAGE.read_text(encoding="utf-8"))
    served = {normalise(e.method, e.template) for e in ENDPOINTS}
    assert served - documented == set(), "control endpoints missing from docs/server.md"
    assert documented - served == set(), "docs/server.md lists endpoints that do not exist"


def test_every_serve_option_is_documented() -> None:
    text = PAGE.read_text(encoding="utf-8")
    missing = sorted(option for option in serve_options() if f"`{option}" not in text)
    assert missing == []


def test_the_parsers_can_fail() -> None:
    table = (
        "| `GET state` | | x |\n| `GET requests`, `DELETE faults/{id}` | | y |\n"
        "| `--port` | `8080` | not an endpoint |\nprose `POST reset`"
    )
    assert documented_endpoints(table) == {"GET state", "GET requests", "DELETE faults/{}"}
    assert normalise("POST", f"{PREFIX}/conferences/{{sid}}/end") == "POST conferences/{}/end"
    assert {"--port", "--seed", "--log-requests"} <= serve_options()
