"""Records paged newest first by Twilio's page tokens, removed ones included.

Participants and recordings come and go; a page token may name one that is
gone by the time the next page is asked for. A collection therefore remembers
the sort key of the newest :data:`~.bounded.DELETED_TOKEN_KEYS` token SIDs it
removed, so paging goes on correctly; a token naming one removed before those
is refused (FIDELITY: F72), which keeps a long-running server's memory flat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .bounded import DELETED_TOKEN_KEYS, RecentMap
from .index import KeyIndex, Page, SortKey, Window, select

T = TypeVar("T")


class Collection(Generic[T]):
    __slots__ = ("_by_key", "_deleted_keys", "_index", "_token_keys")

    def __init__(self) -> None:
        self._by_key: dict[SortKey, T] = {}
        self._index = KeyIndex()
        self._token_keys: dict[str, SortKey] = {}  # the records held now
        self._deleted_keys: RecentMap[str, SortKey] = RecentMap(DELETED_TOKEN_KEYS)

    def __len__(self) -> int:
        return len(self._by_key)

    def _add(self, key: SortKey, token_sid: str, record: T) -> None:
        self._by_key[key] = record
        self._index.add(key)
        self._token_keys[token_sid] = key

    def _remove(self, key: SortKey, token_sid: str) -> None:
        del self._by_key[key]
        self._index.remove(key)
        del self._token_keys[token_sid]
        self._deleted_keys[token_sid] = key

    def key_for_token(self, token_sid: str) -> SortKey | None:
        """The sort key a page token naming ``token_sid`` resumes from (None: unknown,
        or removed too long ago)."""
        key = self._token_keys.get(token_sid)
        return key if key is not None else self._deleted_keys.get(token_sid)

    def newest_first(self) -> Iterator[T]:
        lo, hi = self._index.span(None, None)
        for key in list(self._index.descending(lo, hi)):
            yield self._by_key[key]

    def page(self, window: Window, accept: Callable[[T], bool] | None = None) -> Page[T]:
        return select(self._index, window, self._by_key.__getitem__, accept)
