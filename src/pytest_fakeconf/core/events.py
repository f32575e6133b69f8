"""Events the core emits when something happens to a conference.

The log is the seam for later features (status callbacks, a live view of the
server): they subscribe here instead of hooking into the rules.
"""

from __future__ import annotations

import datetime as _dt
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType

from .vocabulary import EventKind


@dataclass(frozen=True, slots=True)
class Event:
    """``kind`` is e.g. ``conference-end``; ``data`` holds the event's facts."""

    kind: EventKind
    account_sid: str
    conference_sid: str
    at: _dt.datetime
    data: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


Listener = Callable[[Event], None]


class EventLog:
    """Every event in order; listeners hear them once the operation that made
    them is over (see :meth:`batch`), still before it returns to its caller."""

    __slots__ = ("_depth", "_events", "_listeners", "_pending")

    def __init__(self) -> None:
        self._events: list[Event] = []
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
        cost is the number of later events, not the log's length)."""
        later: list[Event] = []
        for other in reversed(self._events):
            if other is event:
                break
            later.append(other)
        else:
            return []
        later.reverse()
        return later

    def __iter__(self) -> Iterator[Event]:
        return iter(tuple(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def snapshot(self) -> list[Event]:
        return list(self._events)
