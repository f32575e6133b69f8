"""``IMPLEMENTED.md``: which operations of Twilio's ``api_v2010`` document the fake answers.

Usage::

    python -m pytest_fakeconf.api.implemented [OAI_PATH] > IMPLEMENTED.md

``OAI_PATH`` defaults to ``$FAKECONF_TWILIO_OAI``, else to
``../shared/twilio-oai/twilio_api_v2010.json`` relative to the current directory.
An operation is implemented when the route registry (:mod:`.routes`) declares its
method and path template. The test suite fails when the file is out of date.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .routes import implemented

COMMAND = "python -m pytest_fakeconf.api.implemented > IMPLEMENTED.md"
ENV_VAR = "FAKECONF_TWILIO_OAI"
DEFAULT_PATH = Path("..", "shared", "twilio-oai", "twilio_api_v2010.json")
ACCOUNT = "/2010-04-01/Accounts/{AccountSid}/"
ACCOUNT_ITSELF = "/2010-04-01/Accounts/{Sid}.json"
METHODS = ("get", "post", "put", "patch", "delete")
YES, NO = "✅", "❌"


def _group(template: str) -> str:
    """The resource collection a path belongs to: ``Conferences`` for its participants too."""
    if template == ACCOUNT_ITSELF:
        return "Accounts"
    return re.split(r"[/.]", template[len(ACCOUNT) :], maxsplit=1)[0]


def render(document: Mapping[str, Any]) -> str:
    """The Markdown of ``IMPLEMENTED.md`` for Twilio's ``api_v2010`` OpenAPI document."""
    done = implemented()
    groups: dict[str, list[tuple[bool, str, str, str]]] = {}
    for template, item in document["paths"].items():
        if not (template.startswith(ACCOUNT) or template == ACCOUNT_ITSELF):
            continue
        for method in METHODS:
            if method in item:
                upper = method.upper()
                row = ((upper, template) in done, item[method]["operationId"], upper, template)
                groups.setdefault(_group(template), []).append(row)
    rows = [row for group in groups.values() for row in group]
    count = sum(row[0] for row in rows)
    version = document.get("info", {}).get("version", "?")
    lines = [
        "# Twilio API coverage",
        "",
        f"{count} of {len(rows)} operations implemented ({count / len(rows):.0%}).",
        "",
        f"Every operation of Twilio's `api_v2010` OpenAPI document (version {version}) under",
        "`/2010-04-01/Accounts/{AccountSid}/`, and the account itself. Any other path answers",
        "404/20404 saying pytest-fakeconf does not implement it.",
        f"Generated from the route registry (`api/routes.py`) by `{COMMAND}`;",
        "do not edit by hand.",
    ]
    for name in sorted(groups, key=lambda g: (g != "Accounts", g.lower())):
        group = groups[name]
        done_here = sum(row[0] for row in group)
        lines += ["", f"## {name} ({done_here}/{len(group)})", ""]
        lines += [
            f"- {YES if ok else NO} {operation_id} `{method} {template}`"
            for ok, operation_id, method, template in group
        ]
    return "\n".join(lines) + "\n"


def document_path(argv: Sequence[str] = ()) -> Path:
    if argv:
        return Path(argv[0])
    configured = os.environ.get(ENV_VAR)
    return Path(configured) if configured else DEFAULT_PATH


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) > 1 or args[:1] in (["-h"], ["--help"]):
        print(f"usage: {COMMAND.replace(' >', ' [OAI_PATH] >')}", file=sys.stderr)
        return 2
    path = document_path(args)
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        print(f"cannot read Twilio's OpenAPI document: {error} (set ${ENV_VAR})", file=sys.stderr)
        return 1
    sys.stdout.write(render(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
