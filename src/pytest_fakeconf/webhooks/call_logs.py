"""The log of every call the voice runner knows, each its newest ``size`` entries.

A call's log (``CallHandle.log``) is a plain list, as light as a log can be (a server
keeps the logs of thousands of ended calls). In a bounded fake (server mode) a call's
log keeps its newest ``size`` entries: a participant held in a conference for days hears
an announcement per conference update. An entry keeps its position (what :meth:`add`
returned) while it is kept, so a ``<Gather>`` or ``<Dial>`` entry can be amended after
later entries were added and older ones dropped; only a call that dropped entries has a
count of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from ..core.bounded import check_size

T = TypeVar("T")


class CallLogs(Generic[T]):
    """Per call SID, its entries oldest first: at most ``size`` of them (None: all)."""

    __slots__ = ("_dropped", "_logs", "_size")

    def __init__(self, size: int | None = None) -> None:
        self._logs: dict[str, list[T]] = {}
        self._dropped: dict[str, int] = {}  # entries dropped, for the calls that dropped some
        self._size = check_size(size)

    def entries(self, call_sid: str) -> list[T]:
        """The call's entries (a copy), oldest first; none for a call without a log."""
        return list(self._logs.get(call_sid, ()))

    def add(self, call_sid: str, entry: T) -> int:
        """Add ``entry`` to the call's log; its position there (see :meth:`amend`)."""
        log = self._logs.get(call_sid)
        if log is None:
            log = self._logs[call_sid] = []
        log.append(entry)
        position = self._dropped.get(call_sid, 0) + len(log) - 1
        self._trim(call_sid, log)
        return position

    def amend(self, call_sid: str, position: int, change: Callable[[T], T]) -> None:
        """Replace the call's entry at ``position`` by ``change(entry)``; nothing if the
        log dropped it."""
        log = self._logs[call_sid]
        index = position - self._dropped.get(call_sid, 0)
        if index >= 0:
            log[index] = change(log[index])

    def forget(self, call_sid: str) -> None:
        self._logs.pop(call_sid, None)
        self._dropped.pop(call_sid, None)

    def resize(self, size: int | None) -> None:
        """Bound every log anew; a smaller bound drops the oldest entries now."""
        self._size = check_size(size)
        for call_sid, log in self._logs.items():
            self._trim(call_sid, log)

    def _trim(self, call_sid: str, log: list[T]) -> None:
        size = self._size
        if size is not None and len(log) > size:
            extra = len(log) - size
            del log[:extra]  # O(size): the bound of a call's log is small
            self._dropped[call_sid] = self._dropped.get(call_sid, 0) + extra

    def __iter__(self) -> Iterator[str]:
        """The SIDs of the calls that have a log."""
        return iter(self._logs)

    def __len__(self) -> int:
        return len(self._logs)

    def kept(self, call_sid: str) -> int:
        """How many entries the call's log holds."""
        return len(self._logs.get(call_sid, ()))
