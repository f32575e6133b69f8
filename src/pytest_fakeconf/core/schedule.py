"""Things a test asked to happen later: a conference that ends at 10:30, a
participant who hangs up in five minutes.

Nothing runs in the background. Before every operation the fake asks the
scheduler what is due by "now" (the standard library's clock, so freezegun's
``tick``/``move_to`` and time-machine's ``shift`` make things due) and applies
it in time order, stamped with the scheduled moment, not the moment noticed.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from .conference_store import Conference

Action = Callable[[_dt.datetime], None]


@dataclass(order=True, slots=True)
class _Entry:
    when: _dt.datetime
    seq: int
    what: str = field(compare=False)
    action: Action = field(compare=False)
    account_sid: str = field(default="", compare=False)
    conference_sid: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A handle on a scheduled action: ``when``, ``what``, and ``cancel()``."""

    _entry: _Entry

    @property
    def when(self) -> _dt.datetime:
        return self._entry.when

    @property
    def what(self) -> str:
        return self._entry.what

    @property
    def pending(self) -> bool:
        return not self._entry.cancelled

    def cancel(self) -> None:
        self._entry.cancelled = True


class Scheduler:
    __slots__ = ("_heap", "_seq")

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return sum(1 for e in self._heap if not e.cancelled)

    def at(
        self, when: _dt.datetime, what: str, action: Action, conference: Conference | None = None
    ) -> Scheduled:
        entry = _Entry(when, next(self._seq), what, action)
        if conference is not None:
            entry.account_sid, entry.conference_sid = conference.account_sid, conference.sid
        heapq.heappush(self._heap, entry)
        return Scheduled(entry)

    def next_due(self, now: _dt.datetime) -> _Entry | None:
        """Pop the earliest entry due by ``now``, or None. Cheap when nothing is due."""
        heap = self._heap
        while heap and heap[0].when <= now:
            entry = heapq.heappop(heap)
            if not entry.cancelled:
                entry.cancelled = True  # ran: no longer pending
                return entry
        return None

    def pending(self) -> list[Scheduled]:
        return [Scheduled(e) for e in sorted(self._heap) if not e.cancelled]
