"""Records paged newest first by Twilio's page tokens, removed ones included.

Participants and recordings come and go; a page token may name one that is
gone by the time the next page is asked for. A collection therefore remembers
the sort key of every token SID it ever held, so paging goes on correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .index import KeyIndex, Page, SortKey, Window, select

T = TypeVar("T")


class Collection(Generic[T]):
    __slots__ = ("_by_key", "_index", "_token_keys")

    def __init__(self) -> None:
        self._by_key: dict[SortKey, T] = {}
        self._index = KeyIndex()
        self._token_keys: dict[str, SortKey] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def _add(self, key: SortKey, token_sid: str, record: T) -> None:
        self._by_key[key] = record
        self._index.add(key)
        self._token_keys[token_sid] = key

    def _remove(self, key: SortKey) -> None:
        del self._by_key[key]
        self._index.remove(key)

    def key_for_token(self, token_sid: str) -> SortKey | None:
        return self._token_keys.get(token_sid)

    def newest_first(self) -> Iterator[T]:
        lo, hi = self._index.span(None, None)
        for key in list(self._index.descending(lo, hi)):
            yield self._by_key[key]

    def page(self, window: Window, accept: Callable[[T], bool] | None = None) -> Page[T]:
        return select(self._index, window, self._by_key.__getitem__, accept)
