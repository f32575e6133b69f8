"""Containers that keep only their newest entries: journals (a size bound, the oldest
dropped, the counts kept) and :class:`RecentMap` (the page-token keys of deleted records).

In-process a journal is unbounded by default (a test reads every request the app
made); server mode bounds each one (``fakeconf serve --journal-size``, default
:data:`SERVER_JOURNAL_SIZE`) so a server that runs for days keeps a flat memory.
Appending costs the same either way: a ``deque`` with a ``maxlen`` drops the oldest
entry in constant time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Entries per journal in server mode, unless told otherwise. 5,000 requests are the
# last minutes of a busy test run, enough to read back what happened; a request entry
# holds its response body (about 3 KB), so the request journal alone costs about 15 MiB
# at this bound (30 at 10,000), and the server's resident set after 1M requests stays
# within 1.2x of its size after 10k (benchmarks/bench_server_memory.py: 1.12 at 5,000,
# 1.20 at 10,000, too close to the target to hold).
SERVER_JOURNAL_SIZE = 5_000


def check_size(size: object) -> int | None:
    """``size`` if it is a journal bound (None: unbounded; 0 keeps nothing but counts)."""
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise ValueError(f"journal_size must be None or a whole number >= 0, got {size!r}")
    return size


@dataclass(frozen=True, slots=True)
class JournalCount:
    """How much one journal saw: ``recorded`` entries since the fake was built (or
    reset), ``dropped`` of them as the oldest beyond ``size`` (None: unbounded)."""

    recorded: int
    dropped: int
    size: int | None

    @property
    def kept(self) -> int:
        """The entries the journal holds now."""
        return self.recorded - self.dropped

    def as_dict(self) -> dict[str, int | None]:
        return {
            "recorded": self.recorded,
            "kept": self.kept,
            "dropped": self.dropped,
            "size": self.size,
        }


class BoundedLog(Generic[T]):
    """Entries oldest first, at most ``size`` of them (None: no bound)."""

    __slots__ = ("_dropped", "_items", "_recorded")

    def __init__(self, size: int | None = None) -> None:
        self._items: deque[T] = deque(maxlen=check_size(size))
        self._recorded = 0
        self._dropped = 0

    def append(self, item: T) -> None:
        items = self._items
        if len(items) == items.maxlen:
            self._dropped += 1  # the deque drops its oldest entry to make room
        items.append(item)
        self._recorded += 1

    @property
    def size(self) -> int | None:
        return self._items.maxlen

    def resize(self, size: int | None) -> None:
        """Bound the journal anew; a smaller bound drops the oldest entries now."""
        kept = deque(self._items, maxlen=check_size(size))
        self._dropped += len(self._items) - len(kept)
        self._items = kept

    @property
    def counts(self) -> JournalCount:
        return JournalCount(self._recorded, self._dropped, self._items.maxlen)

    def clear(self) -> None:
        """Forget the entries and the counts, as a new journal of the same size."""
        self._items.clear()
        self._recorded = self._dropped = 0

    def snapshot(self) -> list[T]:
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[T]:
        return reversed(self._items)

    def __getitem__(self, index: int) -> T:
        """One entry by position (``[0]`` the oldest, ``[-1]`` the newest: O(1) at the ends)."""
        return self._items[index]


# Deleted records whose page-token key a store keeps, per store (FIDELITY: F72).
DELETED_TOKEN_KEYS = 1000

K = TypeVar("K")
V = TypeVar("V")


class RecentMap(Generic[K, V]):
    """A mapping that keeps its ``size`` newest entries; adding one more forgets the
    oldest (a dict keeps insertion order, so the oldest is its first key)."""

    __slots__ = ("_items", "_size")

    def __init__(self, size: int) -> None:
        self._items: dict[K, V] = {}
        self._size = size

    def __len__(self) -> int:
        return len(self._items)

    def __setitem__(self, key: K, value: V) -> None:
        items = self._items
        items.pop(key, None)  # a key set anew counts as the newest
        items[key] = value
        if len(items) > self._size:
            del items[next(iter(items))]

    def get(self, key: K) -> V | None:
        return self._items.get(key)
