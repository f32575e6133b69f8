"""Things a test asked to happen later: a conference that ends at 10:30, a
participant who hangs up in five minutes.

Nothing runs in the background. Before every operation the fake asks the
scheduler what is due by "now" (the standard library's clock, so freezegun's
``tick``/``move_to`` and time-machine's ``shift`` make things due) and applies
it in time order, stamped with the scheduled moment, not the moment noticed.

An action scheduled with a ``kind`` and JSON-able ``args`` is also *data*: the
operations class that schedules it registers, per kind, how to rebuild the action
from its arguments (:meth:`Scheduler.register`), so a durable store (server mode's
``--data``) can save it and :meth:`Scheduler.restore` it after a restart. An action
without a kind (a ``<Gather>`` timeout, which needs the running TwiML) lives in
memory only.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .conference_store import Conference

Action = Callable[[_dt.datetime], None]
Args = Mapping[str, Any]
# Rebuilds an action from its arguments (None: what it acts on is gone, skip it).
Builder = Callable[[Args], "Action | None"]
# Told about an action rebuilt from data (e.g. calls keep their ring/limit timers).
Adopter = Callable[["Scheduled", Args], None]
Watcher = Callable[["_Entry"], None]


@dataclass(order=True, slots=True)
class _Entry:
    when: _dt.datetime
    seq: int
    what: str = field(compare=False)
    action: Action = field(compare=False)
    account_sid: str = field(default="", compare=False)
    conference_sid: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)
    kind: str | None = field(default=None, compare=False)
    args: Args = field(default_factory=dict, compare=False)
    watcher: Watcher | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A handle on a scheduled action.

    ``when``: the moment it happens (timezone-aware UTC); it is applied by the first
    operation that finds the clock at or past it, stamped with ``when``.
    ``what``: what it does, in words (``"end CF… (conference-ended-via-api)"``).
    ``pending``: True until it ran or was cancelled.
    ``cancel()``: it will not happen (no effect once it ran).
    """

    _entry: _Entry

    @property
    def when(self) -> _dt.datetime:
        """The moment the action happens (UTC)."""
        return self._entry.when

    @property
    def what(self) -> str:
        """What the action does, in words."""
        return self._entry.what

    @property
    def pending(self) -> bool:
        """True until the action ran or was cancelled."""
        return not self._entry.cancelled

    def cancel(self) -> None:
        """The action will not happen."""
        entry = self._entry
        if not entry.cancelled:
            entry.cancelled = True
            if entry.watcher is not None:
                entry.watcher(entry)

    def __repr__(self) -> str:
        return f"Scheduled(when={self.when!r}, what={self.what!r}, pending={self.pending!r})"


class Scheduler:
    __slots__ = ("_builders", "_heap", "_seq", "_watcher")

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._seq = itertools.count()
        self._builders: dict[str, tuple[Builder, Adopter | None]] = {}
        self._watcher: Watcher | None = None

    def watch(self, watcher: Watcher) -> list[_Entry]:
        """Tell ``watcher`` of every entry added, cancelled or run from now on (a
        durable store saves them); returns the pending entries."""
        self._watcher = watcher
        for entry in self._heap:
            entry.watcher = watcher
        return [e for e in sorted(self._heap) if not e.cancelled]

    def register(self, kind: str, build: Builder, adopt: Adopter | None = None) -> None:
        """How to rebuild an action of ``kind`` from its arguments (see :meth:`restore`)."""
        self._builders[kind] = (build, adopt)

    def at(
        self,
        when: _dt.datetime,
        what: str,
        action: Action,
        conference: Conference | None = None,
        *,
        kind: str | None = None,
        args: Args | None = None,
    ) -> Scheduled:
        """Apply ``action`` when the clock passes ``when``. With a registered ``kind``
        and its JSON-able ``args``, the action can be saved and restored."""
        entry = _Entry(when, next(self._seq), what, action, kind=kind, args=args or {})
        if conference is not None:
            entry.account_sid, entry.conference_sid = conference.account_sid, conference.sid
        return self._push(entry)

    def _push(self, entry: _Entry) -> Scheduled:
        entry.watcher = self._watcher
        heapq.heappush(self._heap, entry)
        if entry.watcher is not None:
            entry.watcher(entry)
        return Scheduled(entry)

    def restore(self, row: ScheduledRow) -> Scheduled | None:
        """Schedule again an action saved as data; None when its kind is unknown or
        what it acts on is gone."""
        registered = self._builders.get(row.kind)
        action = registered[0](row.args) if registered is not None else None
        if registered is None or action is None:
            return None
        entry = _Entry(
            row.when, row.seq, row.what, action, row.account_sid, row.conference_sid,
            kind=row.kind, args=row.args,
        )  # fmt: skip
        self._seq = itertools.count(max(row.seq + 1, next(self._seq)))
        scheduled = self._push(entry)
        adopt = registered[1]
        if adopt is not None:
            adopt(scheduled, row.args)
        return scheduled

    def next_due(self, now: _dt.datetime) -> _Entry | None:
        """Pop the earliest entry due by ``now``, or None. Cheap when nothing is due."""
        heap = self._heap
        while heap and heap[0].when <= now:
            entry = heapq.heappop(heap)
            if not entry.cancelled:
                entry.cancelled = True  # ran: no longer pending
                if entry.watcher is not None:
                    entry.watcher(entry)
                return entry
        return None

    def pending(self) -> list[Scheduled]:
        return [Scheduled(e) for e in sorted(self._heap) if not e.cancelled]


@dataclass(frozen=True, slots=True)
class ScheduledRow:
    """A scheduled action as data: what a durable store saves of an :class:`_Entry`."""

    seq: int
    when: _dt.datetime
    what: str
    kind: str
    args: Args
    account_sid: str = ""
    conference_sid: str = ""

    @classmethod
    def of(cls, entry: _Entry) -> ScheduledRow | None:
        """The entry as data; None when it cannot be saved (no kind) or is over."""
        if entry.kind is None or entry.cancelled:
            return None
        return cls(
            entry.seq, entry.when, entry.what, entry.kind, entry.args,
            entry.account_sid, entry.conference_sid,
        )  # fmt: skip
