"""Events the core emits when something happens to a conference.

The log is the seam for later features (status callbacks, a live view of the
server): they subscribe here instead of hooking into the rules. It keeps the newest
``size`` events (None, the default in-process: every one; see ``bounded``); listeners
hear every event whatever the log keeps.
"""

from __future__ import annotations

import datetime as _dt
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType

from .bounded import BoundedLog, JournalCount
from .vocabulary import EventKind


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a conference or a call.

    Attributes:
        kind: e.g. ``conference-end``, ``participant-join``, ``call-completed``.
        account_sid: the account it happened in.
        conference_sid: the conference (or, for a call event, the call) it is about.
        at: when it happened (timezone-aware UTC).
        data: the event's facts (e.g. ``reason``, ``call_sid``), read-only; the repr
            shows the plain values (strings, numbers, datetimes, None).
    """

    kind: EventKind
    account_sid: str
    conference_sid: str
    at: _dt.datetime
    data: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def __repr__(self) -> str:
        # The facts only: the core records some events carry for listeners are internal.
        facts = {k: v for k, v in self.data.items() if isinstance(v, _FACTS)}
        return (
            f"Event(kind={self.kind!r}, conference_sid={self.conference_sid!r}, "
            f"at={self.at!r}, data={facts!r})"
        )


_FACTS = (str, int, float, _dt.datetime, type(None))  # bool is an int


Listener = Callable[[Event], None]


class EventLog:
    """The events in order (the newest ``size`` of them, None: all); listeners hear
    them once the operation that made them is over (see :meth:`batch`), still before
    it returns to its caller.

    The pending queue holds only the events of the operation under way: the
    outermost batch empties it before the operation returns."""

    __slots__ = ("_depth", "_events", "_listeners", "_pending")

    def __init__(self, size: int | None = None) -> None:
        self._events: BoundedLog[Event] = BoundedLog(size)
        self._listeners: list[Listener] = []
        self._pending: deque[Event] = deque()
        self._depth = 0

    def emit(self, event: Event) -> None:
        self._events.append(event)
        if self._listeners:
            self._pending.append(event)
            if self._depth == 0:
                self._flush()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold listeners back until the outermost batch ends.

        An operation (one HTTP request, one scripting call) can change several
        records and emit several events; a listener that calls back into the
        fake (an app's webhook handler calling the REST API) must find the
        state the whole operation left, not a half-done one.
        """
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._flush()

    def _flush(self) -> None:
        self._depth += 1  # events a listener causes are heard after this batch
        try:
            while self._pending:
                event = self._pending.popleft()
                for listener in tuple(self._listeners):
                    listener(event)
        finally:
            self._depth -= 1

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every later event; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def since(self, event: Event) -> list[Event]:
        """The events logged after ``event`` (walked back from the newest, so the
        cost is the number of later events, not the log's length); none when the
        log no longer holds ``event``."""
        later: list[Event] = []
        for other in reversed(self._events):
            if other is event:
                break
            later.append(other)
        else:
            return []
        later.reverse()
        return later

    def resize(self, size: int | None) -> None:
        """Keep the newest ``size`` events from now on (None: every one)."""
        self._events.resize(size)

    @property
    def counts(self) -> JournalCount:
        return self._events.counts

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events.snapshot())

    def __len__(self) -> int:
        return len(self._events)

    def snapshot(self) -> list[Event]:
        return self._events.snapshot()
