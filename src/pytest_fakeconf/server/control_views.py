"""The JSON the control endpoints show: journal entries, events, and the state page.

:func:`state` is one page of the account's conferences (newest first, each with its
live participants), the account's counts, and the newest events and alerts. A page
costs its own length whatever the store holds: conferences come from the store's
index (``page_token`` names the last conference of the previous page, as Twilio's
``PA`` tokens do), events and alerts from the tail of their journals.
"""

from __future__ import annotations

from typing import Any

from ..api.wire import rfc2822
from ..core.conference_store import ConferenceFilter
from ..core.index import Window
from ..fake import FakeTwilio
from ..handles import ConferenceHandle
from .control_replies import ControlError

RECENT_EVENTS = 50
PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
PREFIX = "/_fakeconf"


def state(
    fake: FakeTwilio, page_size: int = PAGE_SIZE, page_token: str | None = None
) -> dict[str, Any]:
    """One page of the account's state (the first page without ``page_token``)."""
    backend = fake._backend
    backend.catch_up()
    store = backend.conference_store(fake.account_sid)
    after = None
    if page_token is not None:
        named = store.get(page_token[2:]) if page_token.startswith("PA") else None
        if named is None:
            raise ControlError(400, f"unknown page_token {page_token!r}")
        after = named.key
    page = store.page(ConferenceFilter(), Window(page_size, after=after))
    next_token = f"PA{page.items[-1].sid}" if page.has_next else None
    # The journals are bounded in server mode (--journal-size): a copy of one is cheap.
    events, alerts = fake.events, fake.alerts
    return {
        "account_sid": fake.account_sid,
        "now": rfc2822(fake.clock.now()),
        "counts": {
            "conferences": len(store),
            "calls": len(backend.call_store(fake.account_sid)),
            "events": len(events),
            "alerts": len(alerts),
        },
        # per journal: recorded, kept, dropped (the oldest beyond --journal-size), size
        "journals": {name: c.as_dict() for name, c in fake.journal_counts.items()},
        "page_size": page_size,
        "page_token": page_token,
        "next_page_token": next_token,
        "next_page_uri": None
        if next_token is None
        else f"{PREFIX}/state?page_size={page_size}&page_token={next_token}",
        "conferences": [_room(ConferenceHandle(backend, c)) for c in page.items],
        "events": [event(e) for e in reversed(events[-RECENT_EVENTS:])],
        "alerts": [a.as_dict() for a in reversed(alerts[-RECENT_EVENTS:])],
    }


def _room(room: ConferenceHandle) -> dict[str, Any]:
    return {**room.to_json(), "participants": [p.to_json() for p in room.participants]}


def request(r: Any) -> dict[str, Any]:
    return {
        "method": r.method,
        "url": r.url,
        "status_code": r.status_code,
        "params": r.params,
        "error": r.error,
    }


def webhook(w: Any) -> dict[str, Any]:
    return {
        "kind": w.kind,
        "url": w.url,
        "method": w.method,
        "params": dict(w.params),
        "status_code": w.status_code,
        "error": w.error,
    }


def event(e: Any) -> dict[str, Any]:
    data = {k: v for k, v in e.data.items() if isinstance(v, (str, int, float, bool, type(None)))}
    return {"kind": e.kind, "conference_sid": e.conference_sid, "at": rfc2822(e.at), **data}
