"""Sorted key indexes and keyset paging over them.

Every list Twilio serves is "newest first" and paged by tokens that name the
last (``PA``) or first (``PB``) record of the current page. An index keeps the
sort keys of one subset of records (all of them, one status, one friendly
name) in ascending order, so a page is a ``bisect`` plus a walk of the page's
own length: the cost follows the page, not the size of the store.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Sort key of a record: (date_created in epoch seconds, creation sequence).
# The sequence breaks ties inside one second in creation order, so "newest
# first" is exact even under a frozen clock.
SortKey = tuple[int, int]

_MIN_SEQ = -1
_MAX_SEQ = 1 << 62


class KeyIndex:
    """Ascending list of ``(epoch seconds, sequence)`` keys."""

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: list[SortKey] = []

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def of(cls, keys: list[SortKey]) -> KeyIndex:
        """An index over ``keys``, which must already be sorted ascending."""
        index = cls()
        index._keys = keys
        return index

    def add(self, key: SortKey) -> None:
        keys = self._keys
        if not keys or keys[-1] < key:
            keys.append(key)  # the common case: records arrive in time order
        else:
            insort(keys, key)

    def extend(self, keys: list[SortKey]) -> None:
        """Add many keys at once: one sort (a merge of two sorted runs when ``keys`` is
        sorted too) instead of an insertion each."""
        self._keys.extend(keys)
        self._keys.sort()

    def remove(self, key: SortKey) -> None:
        keys = self._keys
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            del keys[i]

    def span(self, lo_ts: int | None, hi_ts: int | None) -> tuple[int, int]:
        """Positions ``[lo, hi)`` of the keys whose seconds lie in ``[lo_ts, hi_ts]``."""
        keys = self._keys
        lo = 0 if lo_ts is None else bisect_left(keys, (lo_ts, _MIN_SEQ))
        hi = len(keys) if hi_ts is None else bisect_right(keys, (hi_ts, _MAX_SEQ))
        return lo, hi

    def older_than(self, key: SortKey) -> int:
        """Position just past the last key strictly older than ``key``."""
        return bisect_left(self._keys, key)

    def newer_than(self, key: SortKey) -> int:
        """Position of the first key strictly newer than ``key``."""
        return bisect_right(self._keys, key)

    def descending(self, lo: int, hi: int) -> Iterator[SortKey]:
        keys = self._keys
        for i in range(hi - 1, lo - 1, -1):
            yield keys[i]

    def ascending(self, lo: int, hi: int) -> Iterator[SortKey]:
        keys = self._keys
        for i in range(lo, hi):
            yield keys[i]


@dataclass(frozen=True, slots=True)
class Window:
    """What a page asks for: a created-at range, an anchor, a size."""

    size: int
    lo_ts: int | None = None
    hi_ts: int | None = None
    after: SortKey | None = None  # PA token: records older than this key
    before: SortKey | None = None  # PB token: records newer than this key


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool


def select(
    index: KeyIndex,
    window: Window,
    resolve: Callable[[SortKey], T],
    accept: Callable[[T], bool] | None = None,
) -> Page[T]:
    """One page of records, newest first, from ``index`` restricted by ``window``.

    ``resolve`` maps a key to its record; ``accept`` applies the filters the
    index cannot (they cost one check per record walked over). Ties in a second come
    newest-created first (FIDELITY: F19); a page that ends the walk has no next (F18).
    """
    lo, hi = index.span(window.lo_ts, window.hi_ts)
    if window.before is not None:
        lo = max(lo, index.newer_than(window.before))
        taken = _take(index.ascending(lo, hi), window.size, resolve, accept)
        taken.reverse()
        # The page we came back from (at least the anchor) lies after this one.
        return Page(taken, has_next=True)
    if window.after is not None:
        hi = min(hi, index.older_than(window.after))
    taken = _take(index.descending(lo, hi), window.size + 1, resolve, accept)
    has_next = len(taken) > window.size
    return Page(taken[: window.size], has_next)


def _take(
    keys: Iterator[SortKey],
    count: int,
    resolve: Callable[[SortKey], T],
    accept: Callable[[T], bool] | None,
) -> list[T]:
    out: list[T] = []
    for key in keys:
        record = resolve(key)
        if accept is None or accept(record):
            out.append(record)
            if len(out) == count:
                break
    return out
