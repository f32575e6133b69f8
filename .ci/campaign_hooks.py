"""Schemathesis hooks of the campaign (``.ci/campaign.py`` names this file in
``SCHEMATHESIS_HOOKS``; it runs inside schemathesis's own virtualenv, so it imports
nothing from the project).

``map_case`` runs on every generated case, in every phase (examples, coverage, fuzzing):
it puts the server's account in ``AccountSid`` and, most of the time, a seeded SID in
the other path parameters, so that cases get past the 404 of an unknown SID to the
handler's own checks. Half of the time it also puts seeded values in some query and
body fields: list filters naming seeded conferences and calls, ``To`` and ``From`` of the
operations that make calls, a list's second page (``PageToken``, ``Page``, ``PageSize``
together). The plan (which SIDs, for which operation's parameter)
is the JSON file ``$FAKECONF_CAMPAIGN_PLAN``, written by the campaign after seeding.

The choices are drawn from a stream seeded by a digest of the case itself: the same
generated case is always mapped the same way, so Hypothesis replays are stable.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path
from typing import Any

import schemathesis

PLAN: dict[str, Any] = json.loads(Path(os.environ["FAKECONF_CAMPAIGN_PLAN"]).read_text())


def _stream(case: Any, key: str) -> random.Random:
    """A random stream seeded by the case itself."""
    seen = repr((key, sorted(map(repr, case.path_parameters.items())), repr(case.body)))
    return random.Random(hashlib.sha256(seen.encode()).digest())


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    key = f"{case.operation.method.upper()} {case.operation.path}"
    plan = PLAN["operations"].get(key)
    if plan is None:
        return case
    draws = _stream(case, key)
    keep_foreign = draws.random() < PLAN["foreign_account"]
    if "AccountSid" in case.path_parameters and not keep_foreign:
        case.path_parameters["AccountSid"] = PLAN["account_sid"]
    # One index for all the path parameters: the plan lines up the lists of an
    # operation with two (a conference and its participant or recording).
    index = draws.randrange(1 << 16)
    for name, values in plan.get("path", {}).items():
        if name in case.path_parameters and draws.random() < PLAN["probability"]:
            case.path_parameters[name] = values[index % len(values)]
    paging = plan.get("paging")  # the second page of the list: all three or none
    if paging and draws.random() < 0.5:
        case.query.update(paging)
    for where, fields in (("query", case.query), ("body", case.body)):
        for name, values in plan.get(where, {}).items():
            if isinstance(fields, dict) and draws.random() < 0.5:
                fields[name] = draws.choice(values)
    return case
