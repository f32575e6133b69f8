"""Control endpoints under ``/_fakeconf/``: what only a test can do.

JSON in, JSON out. Every endpoint needs HTTP Basic credentials of an account (its SID
and auth token, no API key) and acts on that account: what it creates, lists and
seeds is that account's. Each endpoint is declared once (:data:`ENDPOINTS`: method,
path template, handler, the keys its JSON body, or for a GET its query string, may
hold) and routed by the API's own router. Errors answer ``{"error": "…"}`` (plus
Twilio's ``"code"`` when the fake refuses with one) with the same HTTP status as the
error: 400 for bad input, a body that is not a JSON object or a key the endpoint does
not take; 401 without the credentials; 404 for a path no
endpoint has, or a conference, participant or fault that does not exist; 405 (with
``Allow``) for a method the path does not take; 409 for a conference name already
active or an account that exists.

| method and path | body | does |
|---|---|---|
| GET state | ?page_size, page_token | a page of conferences, counts, recent events |
| GET story | ?conferences, since | what the live page draws: the newest conferences as bars |
| POST conferences | friendly_name, status, region, date_created | create a conference |
| POST conferences/{sid}/end | reason, call_sid, at | end it now or at ``at`` (ISO 8601) |
| POST conferences/{sid}/participants | the options of ``add_participant`` | add a participant |
| POST conferences/{sid}/participants/{call}/leave | at | hang up now or at ``at`` |
| POST conferences/{sid}/participants/{call}/kick | at | kick now or at ``at`` |
| POST call-outcomes | number, outcome | make a number busy, unanswered or failing |
| GET calls | | every call (``/Calls``), newest first, as Twilio's fetch shows it |
| GET calls/{sid} | | one call |
| POST calls/{sid}/hang-up | | the caller hangs up (in a conference: its participant leaves) |
| POST webhooks | base_url | deliver webhooks under base_url over HTTP |
| GET requests, GET webhooks, GET events | | the journals |
| GET alerts | | what Twilio's Debugger would show (TwiML errors, failed fetches, callbacks) |
| POST clock | now (ISO 8601) / advance (seconds) / release (true) | move the manual clock |
| POST reset | | forget everything but the accounts and their credentials |
| POST faults | the options of ``inject_fault`` (no timeout) | inject a fault: 201, with its id |
| GET faults | | the faults not removed, with their hits |
| DELETE faults/{id}, DELETE faults | | remove one fault, or all |
| POST calls/{sid}/press | digits | the caller presses keys in the ``<Gather>`` it waits in |
| POST calls/{sid}/say | speech, confidence | the caller speaks in a speech ``<Gather>`` |
| GET calls/{sid}/log | | what the call ran: verbs, what was said/played, what it answered |
| GET accounts | | every account's SID (never a token), the default one first |
| POST accounts | account_sid, auth_token | add an account: 201 with its credentials |
| POST history | count, start, end, seed | seed ``count`` conferences (``generate_history``) |

``{call}`` is a participant's call SID or label. The handlers live in the
``control_<what>.py`` modules beside this one; ``control_views`` shapes the JSON.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ..api.auth import basic_credentials
from ..api.routing import PathArgs, Router
from ..core.errors import FakeconfError, TwilioError
from ..fake import FakeTwilio
from . import control_accounts as accounts
from . import control_calls as calls
from . import control_clock as clock
from . import control_conferences as conferences
from . import control_faults as faults
from . import control_journals as journals
from . import control_story as story
from .control_fields import json_body
from .control_replies import Body, ControlError, Reply, reply
from .control_views import PREFIX, state

ControlHandler = Callable[[FakeTwilio, PathArgs, Body], Reply]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One control endpoint: ``fields`` are the keys its JSON body may hold (any
    other key is refused with 400, naming it), or for a GET the query parameters it
    reads (others are ignored); ``subject`` names them in that message."""

    method: str
    template: str
    handler: ControlHandler
    fields: tuple[str, ...] = ()
    subject: str = ""


def handle(
    fake: FakeTwilio,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    query: str = "",
) -> Reply:
    """Answer ``method`` on ``path`` (the whole path: ``/_fakeconf/…``; ``query`` is
    the query string) as the account whose credentials the request carries."""
    path = "/" + "/".join(part for part in path.split("/") if part)  # "state/" is "state"
    try:
        account = _authenticate(fake, headers)
        resolved = CONTROL.resolve(method, path)
        if resolved is None:
            raise ControlError(404, f"no control endpoint {method} {path}")
        endpoint = resolved.route
        if endpoint is None:
            allowed = ", ".join(sorted(resolved.allowed))
            raise ControlError(405, f"{path} takes {allowed}, not {method}", {"Allow": allowed})
        if method == "GET":
            given = dict(parse_qsl(query, keep_blank_values=True))
            data = {key: given[key] for key in endpoint.fields if key in given}
        else:
            data = json_body(body) if method == "POST" else {}
        unknown = set(data) - set(endpoint.fields)
        if unknown:
            takes = ", ".join(endpoint.fields) or "none"
            raise ControlError(
                400, f"unknown {endpoint.subject} option(s): {sorted(unknown)} (it takes {takes})"
            )
        return endpoint.handler(account, resolved.args, data)
    except ControlError as error:
        return reply(error.status, {"error": str(error)}, error.headers)
    except TwilioError as error:
        return reply(error.status, {"error": error.message, "code": error.code})
    except (FakeconfError, ValueError, TypeError, KeyError) as error:
        return reply(400, {"error": str(error)})


def _authenticate(fake: FakeTwilio, headers: Mapping[str, str]) -> FakeTwilio:
    """The fake as the account whose SID + auth token the request carries (no API key)."""
    credentials = basic_credentials(headers.get("Authorization"))
    if credentials is not None:
        sid, token = credentials
        if sid in fake.account_sids:
            account = fake.account(sid)
            if hmac.compare_digest(account.auth_token.encode(), token.encode()):
                return account
    # No WWW-Authenticate: a browser would pop its own login over the live page's.
    raise ControlError(401, "the control endpoints need an account's Basic credentials")


_CONFERENCE = f"{PREFIX}/conferences/{{sid}}"
_MEMBER = f"{_CONFERENCE}/participants/{{call}}"
_CALL = f"{PREFIX}/calls/{{sid}}"

ENDPOINTS = (
    Endpoint("GET", f"{PREFIX}/state", journals.get_state, journals.STATE_QUERY),
    Endpoint("GET", f"{PREFIX}/story", story.get_story, story.STORY_QUERY),
    Endpoint(
        "POST",
        f"{PREFIX}/conferences",
        conferences.create_conference,
        ("friendly_name", "status", "region", "date_created"),
        "conference",
    ),
    Endpoint(
        "POST",
        f"{_CONFERENCE}/end",
        conferences.end_conference,
        ("reason", "call_sid", "at"),
        "end",
    ),
    Endpoint(
        "POST",
        f"{_CONFERENCE}/participants",
        conferences.add_participant,
        conferences.PARTICIPANT_OPTIONS,
        "participant",
    ),
    Endpoint("POST", f"{_MEMBER}/leave", conferences.leave, ("at",), "leave"),
    Endpoint("POST", f"{_MEMBER}/kick", conferences.kick, ("at",), "kick"),
    Endpoint(
        "POST",
        f"{PREFIX}/call-outcomes",
        calls.call_outcome,
        ("number", "outcome", "answered_by", "ring_for"),
        "call outcome",
    ),
    Endpoint("GET", f"{PREFIX}/calls", calls.calls),
    Endpoint("GET", f"{_CALL}", calls.call),
    Endpoint("POST", f"{_CALL}/hang-up", calls.hang_up, (), "hang-up"),
    Endpoint("POST", f"{_CALL}/press", calls.press, ("digits",), "press"),
    Endpoint("POST", f"{_CALL}/say", calls.say, ("speech", "confidence"), "say"),
    Endpoint("GET", f"{_CALL}/log", calls.call_log),
    Endpoint("POST", f"{PREFIX}/webhooks", journals.route_webhooks, ("base_url",), "webhooks"),
    Endpoint("GET", f"{PREFIX}/webhooks", journals.webhooks),
    Endpoint("GET", f"{PREFIX}/requests", journals.requests),
    Endpoint("GET", f"{PREFIX}/events", journals.events),
    Endpoint("GET", f"{PREFIX}/alerts", journals.alerts),
    Endpoint("POST", f"{PREFIX}/clock", clock.move_clock, ("now", "advance", "release"), "clock"),
    Endpoint("POST", f"{PREFIX}/reset", clock.reset, (), "reset"),
    Endpoint("POST", f"{PREFIX}/faults", faults.inject_fault, faults.FAULT_OPTIONS, "fault"),
    Endpoint("GET", f"{PREFIX}/faults", faults.list_faults),
    Endpoint("DELETE", f"{PREFIX}/faults", faults.remove_faults),
    Endpoint("DELETE", f"{PREFIX}/faults/{{id}}", faults.remove_fault),
    Endpoint("GET", f"{PREFIX}/accounts", accounts.list_accounts),
    Endpoint(
        "POST", f"{PREFIX}/accounts", accounts.add_account, ("account_sid", "auth_token"), "account"
    ),
    Endpoint(
        "POST",
        f"{PREFIX}/history",
        accounts.seed_history,
        ("count", "start", "end", "seed"),
        "history",
    ),
)
CONTROL: Router[Endpoint] = Router(ENDPOINTS)

__all__ = ["CONTROL", "ENDPOINTS", "ControlError", "Endpoint", "handle", "reply", "state"]
