"""Events the core emits when something happens to a conference.

The log is the seam for later features (status callbacks, a live view of the
server): they subscribe here instead of hooking into the rules.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Event:
    """``kind`` is e.g. ``conference-end``; ``data`` holds the event's facts."""

    kind: str
    account_sid: str
    conference_sid: str
    at: _dt.datetime
    data: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


Listener = Callable[[Event], None]


class EventLog:
    __slots__ = ("_events", "_listeners")

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._listeners: list[Listener] = []

    def emit(self, event: Event) -> None:
        self._events.append(event)
        for listener in tuple(self._listeners):
            listener(event)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every later event; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def __iter__(self) -> Iterator[Event]:
        return iter(tuple(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def snapshot(self) -> list[Event]:
        return list(self._events)
