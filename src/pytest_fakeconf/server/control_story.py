"""``GET /_fakeconf/story``: what the live page draws (see :mod:`..story.page_view`).

The newest ``conferences`` conferences (1-100, default 10), each with its participants'
bars and its story lines; as many of the newest calls made with TwiML (``/Calls`` with
``Url`` or ``Twiml``: REST participant legs are drawn as bars instead); the alerts.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import TypeVar

from ..api.routing import PathArgs
from ..fake import FakeTwilio
from ..handles import CallHandle, ConferenceHandle
from ..story.page_view import page_story
from .control_fields import whole
from .control_replies import Body, Reply, reply

STORY_QUERY = ("conferences", "since")
CONFERENCES = 10
MAX_CONFERENCES = 100
_SCAN = 20  # calls looked at per call shown: REST participant legs are skipped

T = TypeVar("T")


def get_story(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    """``since``: the ``cursor`` of an earlier answer; while nothing was journaled and
    the clock did not move since, the answer is only ``{"cursor": …, "changed": false}``."""
    count = whole(data, "conferences", CONFERENCES, 1, MAX_CONFERENCES)
    backend = fake._backend
    backend.catch_up()
    recorded = sum(journal.recorded for journal in fake.journal_counts.values())
    cursor = f"{recorded}-{int(fake.clock.now().timestamp())}-{count}"
    if data.get("since") == cursor:
        return reply(200, {"cursor": cursor, "changed": False})
    rooms = [
        ConferenceHandle(backend, c)
        for c in _first(backend.conference_store(fake.account_sid).newest_first(), count)
    ]
    recent = _first(backend.call_store(fake.account_sid).newest_first(), count * _SCAN)
    calls = [CallHandle(backend, c) for c in recent if c.twiml_driven][:count]
    return reply(200, {"cursor": cursor, "changed": True, **page_story(fake, rooms, calls)})


def _first(items: Iterator[T], count: int) -> list[T]:
    return list(islice(items, count))
