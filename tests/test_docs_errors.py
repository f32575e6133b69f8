"""docs/errors.md lists every error code the fake can give, and no other.

The codes come from the sources, not from a list kept here: every ``TwilioError(status,
code, …)`` built anywhere in the package (only ``core/errors.py`` may build one), the
statuses a fault answers (``SERVICE_ERRORS``), the TwiML twins of the label codes
(``TWIML_LABEL_ERRORS``), the alert codes of ``webhooks/alerts.py`` and a recording's
``error_code``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pytest_fakeconf.core.errors import SERVICE_ERRORS
from pytest_fakeconf.core.recording_store import TOO_SHORT
from pytest_fakeconf.webhooks.alerts import HTTP_RETRIEVAL_FAILURE, NOT_TWILIO
from pytest_fakeconf.webhooks.voice import TWIML_LABEL_ERRORS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "pytest_fakeconf"
TABLE_CODE = re.compile(r"`(\d{1,5})`")


def constructed_codes(source: str) -> set[int]:
    """The literal codes of every ``TwilioError(status, code, message)`` in ``source``."""
    codes = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "TwilioError":
            code = node.args[1]
            # Not a literal: service_error's code, which SERVICE_ERRORS gives.
            if isinstance(code, ast.Constant) and isinstance(code.value, int):
                codes.add(code.value)
    return codes


def codes_the_fake_gives() -> set[int]:
    codes = {code for code, _ in SERVICE_ERRORS.values()}
    codes |= {code for code, _ in TWIML_LABEL_ERRORS.values()}
    codes |= {NOT_TWILIO, HTTP_RETRIEVAL_FAILURE, TOO_SHORT}
    for module in PACKAGE.rglob("*.py"):
        codes |= constructed_codes(module.read_text(encoding="utf-8"))
    return codes


def codes_in_tables(markdown: str) -> set[int]:
    """The codes in backticks on the table rows (lines starting with ``|``) of a page."""
    return {
        int(code)
        for line in markdown.splitlines()
        if line.startswith("|")
        for code in TABLE_CODE.findall(line)
        if len(code) == 5 or code == "0"
    }


def test_every_code_the_fake_gives_is_in_the_error_tables() -> None:
    documented = codes_in_tables((ROOT / "docs" / "errors.md").read_text(encoding="utf-8"))
    given = codes_the_fake_gives()
    assert given - documented == set(), "codes missing from docs/errors.md"
    assert documented - given == set(), "docs/errors.md lists codes the fake never gives"


def test_the_collectors_find_what_they_should() -> None:
    given = codes_the_fake_gives()
    # A REST code, a control code, an alert code, a TwiML twin, a fault's, a recording's.
    assert {20404, 16099, 0, 16025, 20429, 16101} <= given
    source = "TwilioError(409, 16099, 'x')\nTwilioError(400, 20001, m)\nTwilioError(s, c, m)"
    assert constructed_codes(source) == {16099, 20001}
    table = "| a | `400` / `16001` |\n| b | `0` |\nnot a row `16002`\n| `PageSize` `1000` |"
    assert codes_in_tables(table) == {16001, 0}
