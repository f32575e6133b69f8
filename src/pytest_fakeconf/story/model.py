"""The story of a fake: what it saw, as one timeline grouped per conference and per call.

Built from the four journals of a :class:`~pytest_fakeconf.FakeTwilio`: the requests
it answered, the events of its core, the webhooks it delivered and the alerts it
raised. Only on demand (a failed test, the live page's request): a passing test
never builds one.

Every entry carries the fake clock's time (``at``): when the event happened, the
alert was raised, the webhook was sent, the request was answered. An entry recorded
without one (built by hand) takes the time of the entry before it in its own journal
(times in one journal never go back). Within one
second, entries keep the order the fake journals them in: an operation's events
first, then the webhooks and alerts they caused, then the request that made them.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..fake import FakeTwilio

Source = Literal["event", "webhook", "alert", "request"]
JOURNALS: tuple[Source, ...] = ("event", "webhook", "alert", "request")
_RANK = {source: rank for rank, source in enumerate(JOURNALS)}
_API_PREFIX = re.compile(r"^/2010-04-01/Accounts/[^/]+")
_CONFERENCE_IN_PATH = re.compile(r"/Conferences/(CF[0-9a-fA-F]{32})")
_CALL_IN_PATH = re.compile(r"/(?:Calls|Participants)/(CA[0-9a-fA-F]{32})")
_SHOWN_PARAMS = ("FriendlyName", "Label", "From", "To", "Muted", "Hold", "Status", "Url")
_MAX_BODY = 65_536  # larger answers are not parsed for the SIDs they name


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the story: when, from which journal, what (one line of text),
    the conference and call it concerns, and whether it went wrong."""

    at: _dt.datetime
    source: Source
    text: str
    conference_sid: str | None = None
    call_sid: str | None = None
    problem: bool = False
    order: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Thread:
    """The entries of one conference, one call outside conferences, or the account."""

    kind: Literal["conference", "call", "account"]
    sid: str
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Story:
    """Counts per journal, entries dropped by bounded journals, and the threads:
    conferences in the order they were created, then calls, then the account."""

    account_sid: str
    now: _dt.datetime
    counts: Mapping[Source, int]
    dropped: Mapping[Source, int]
    threads: tuple[Thread, ...]

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


def build(fake: FakeTwilio, *, tail: int | None = None) -> Story:
    """The story of everything ``fake`` journaled (of the newest ``tail`` entries of
    each journal, when given: the live page's bound)."""
    events, webhooks = fake.events, fake.webhooks
    alerts, requests = fake.alerts, fake.requests
    if tail is not None:
        events, webhooks = events[-tail:], webhooks[-tail:]
        alerts, requests = alerts[-tail:], requests[-tail:]
    known = [e.at for e in events[:1]] + [a.at for a in alerts[:1]]
    start = min(known) if known else fake.clock.now()
    entries = [
        *_timed("event", (_event(e) for e in events), start),
        *_timed("webhook", (_webhook(w) for w in webhooks), start),
        *_timed("alert", (_alert(a) for a in alerts), start),
        *_timed("request", (_request(r) for r in requests), start),
    ]
    entries.sort(key=lambda e: (e.at, e.order))
    counts: dict[Source, int] = {
        "event": len(events),
        "webhook": len(webhooks),
        "alert": len(alerts),
        "request": len(requests),
    }
    return Story(
        account_sid=fake.account_sid,
        now=fake.clock.now(),
        counts=counts,
        dropped=dropped_counts(fake),
        threads=tuple(_threads(fake, entries)),
    )


def dropped_counts(fake: FakeTwilio) -> dict[Source, int]:
    """Entries the bounded journals let go (``fake.journal_counts``), by journal."""
    journals = fake.journal_counts
    dropped = {source: journals[source + "s"].dropped for source in JOURNALS}
    return {source: count for source, count in dropped.items() if count}


# -- one entry per journal item -------------------------------------------------------

_Draft = tuple["_dt.datetime | None", str, "str | None", "str | None", bool]


def _timed(source: Source, drafts: Iterable[_Draft], start: _dt.datetime) -> list[Entry]:
    """Entries of one journal, in its order, their times never going back: an item
    without a time takes the time of the one before it; the first untimed ones take
    the first time met (they happened no later), or ``start`` if none is."""
    out: list[Entry] = []
    pending: list[tuple[int, _Draft]] = []
    last: _dt.datetime | None = None
    for index, draft in enumerate(drafts):
        own = draft[0]
        at = last if own is None else own if last is None else max(own, last)
        if at is None:
            pending.append((index, draft))
            continue
        if pending:
            out += [_entry(source, at, d, i) for i, d in pending]
            pending = []
        last = at
        out.append(_entry(source, at, draft, index))
    out += [_entry(source, start, d, i) for i, d in pending]
    return out


def _entry(source: Source, at: _dt.datetime, draft: _Draft, index: int) -> Entry:
    _, text, conference_sid, call_sid, problem = draft
    return Entry(at, source, text, conference_sid, call_sid, problem, (_RANK[source], index))


def _event(event: Any) -> _Draft:
    data = event.data
    who = _who(data.get("label"), data.get("call_sid"))
    facts = [str(event.kind)] + ([who] if who else [])
    for key in ("reason_conference_ended", "reason_participant_left", "recording_sid", "url"):
        value = data.get(key)
        if isinstance(value, str) and value:
            facts.append(f"{key}={value}")
    if event.kind in ("participant-join", "participant-modify"):
        facts += [flag for flag in ("muted", "hold", "coaching") if data.get(flag) is True]
    if event.kind == "schedule-skipped":
        facts.append(f"{data.get('what')}: {data.get('why')}")
    call_sid = data.get("call_sid")
    return (
        event.at,
        " ".join(facts),
        event.conference_sid or None,
        call_sid if isinstance(call_sid, str) else None,
        event.kind == "schedule-skipped",
    )


def _webhook(delivery: Any) -> _Draft:
    params = delivery.params
    what = delivery.event or ""
    if delivery.status_code is None:
        outcome = "not delivered: " + (delivery.error or "").strip().splitlines()[-1:][0]
    else:
        outcome = str(delivery.status_code)
    text = f"{delivery.kind} {what} {delivery.method} {delivery.url} → {outcome}"
    return (
        delivery.at,
        " ".join(text.split()),
        params.get("ConferenceSid") or None,
        params.get("CallSid") or None,
        not delivery.ok,
    )


def _alert(alert: Any) -> _Draft:
    url = f" ({alert.url})" if alert.url else ""
    return (
        alert.at,
        f"{alert.level} {alert.code}: {alert.message}{url}",
        alert.conference_sid,
        alert.call_sid,
        True,
    )


def _request(request: Any) -> _Draft:
    path = _API_PREFIX.sub("", request.path)
    shown = [f"{k}={v}" for k, v in request.params.items() if k in _SHOWN_PARAMS]
    answer = _answer(request)
    conference_sid = _first(_CONFERENCE_IN_PATH, request.path)
    call_sid = _first(_CALL_IN_PATH, request.path)
    if isinstance(answer, dict):
        conference_sid = conference_sid or _sid(answer.get("conference_sid"), "CF")
        call_sid = call_sid or _sid(answer.get("call_sid"), "CA")
        sid = answer.get("sid")
        conference_sid = conference_sid or _sid(sid, "CF")
        call_sid = call_sid or _sid(sid, "CA")
    if request.error is not None:
        outcome = f"{request.error} error (injected)"
    else:
        outcome = str(request.status_code)
        if isinstance(answer, dict) and request.status_code >= 400:
            outcome += f" {answer.get('code', '')} {answer.get('message', '')}".rstrip()
    text = " ".join([request.method, path, "→", outcome, *shown])
    return (
        request.at,
        text,
        conference_sid,
        call_sid,
        request.error is not None or request.status_code >= 400,
    )


def _answer(request: Any) -> object:
    body = request.response_body
    if not body or len(body) > _MAX_BODY:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _who(label: object, call_sid: object) -> str:
    """``alice (CA…)`` for a participant with a label, the call SID alone without."""
    if call_sid is None:
        return ""
    return f"{label} ({call_sid})" if label else str(call_sid)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(1) if found else None


def _sid(value: object, prefix: str) -> str | None:
    return value if isinstance(value, str) and value.startswith(prefix) else None


# -- threads --------------------------------------------------------------------------


def _threads(fake: FakeTwilio, entries: list[Entry]) -> Iterable[Thread]:
    conferences: dict[str, list[Entry]] = {}
    calls: dict[str, list[Entry]] = {}
    account: list[Entry] = []
    # A call that was in a conference belongs to its story (its call-completed
    # event comes after it left, without the conference's SID).
    joined = {e.call_sid: e.conference_sid for e in entries if e.call_sid and e.conference_sid}
    for entry in entries:
        conference_sid = entry.conference_sid or joined.get(entry.call_sid or "")
        if conference_sid:
            conferences.setdefault(conference_sid, []).append(entry)
        elif entry.call_sid:
            calls.setdefault(entry.call_sid, []).append(entry)
        else:
            account.append(entry)
    for sid, items in conferences.items():
        yield Thread("conference", sid, _conference_title(fake, sid), tuple(items))
    for sid, items in calls.items():
        yield Thread("call", sid, _call_title(fake, sid), tuple(items))
    if account:
        yield Thread("account", fake.account_sid, f"account {fake.account_sid}", tuple(account))


def _conference_title(fake: FakeTwilio, sid: str) -> str:
    try:
        room = fake.get_conference(sid)
    except LookupError:
        return f"conference {sid}"
    ended = f", {room.reason_conference_ended}" if room.reason_conference_ended else ""
    return f"conference {sid} {room.friendly_name!r} ({room.status}{ended})"


def _call_title(fake: FakeTwilio, sid: str) -> str:
    try:
        call = fake.get_call(sid)
    except LookupError:
        return f"call {sid}"
    return f"call {sid} {call.from_} → {call.to} ({call.status})"
