"""Twilio's list envelope and its ``PageSize`` / ``Page`` / ``PageToken`` (§3)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from ..core.collection import Collection
from ..core.errors import invalid_parameter, page_size_too_large
from ..core.index import Page, SortKey, Window
from .params import Params, integer

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class PageRequest:
    size: int
    number: int
    token: str | None
    direction: str | None  # "PA" (next) or "PB" (previous)
    anchor_sid: str | None


def page_request(params: Params, sid_prefix: str) -> PageRequest:
    """Validate the paging parameters; the token must name a ``sid_prefix`` SID."""
    raw_size = params.get("PageSize")
    size = DEFAULT_PAGE_SIZE
    if raw_size is not None:
        size = integer("PageSize", raw_size, 1)
        if size > MAX_PAGE_SIZE:
            raise page_size_too_large(size, MAX_PAGE_SIZE)
    raw_number = params.get("Page")
    number = integer("Page", raw_number, 0) if raw_number is not None else 0
    token = params.get("PageToken")
    if token is None or token == "":
        if number > 0:
            raise invalid_parameter("PageToken is required for paging.")
        return PageRequest(size, number, None, None, None)
    match = re.fullmatch(rf"(PA|PB)({sid_prefix}[0-9a-fA-F]{{32}})", token)
    if match is None:
        raise invalid_parameter(f"Invalid PageToken: '{token[:100]}'")
    return PageRequest(size, number, token, match.group(1), match.group(2))


def window(
    request: PageRequest,
    anchor_key: Callable[[str], SortKey | None],
    lo_ts: int | None = None,
    hi_ts: int | None = None,
) -> Window:
    """The core window for a page; a token naming an unknown SID, or one whose record
    was deleted too long ago for its store to remember where it stood, is a 400
    (FIDELITY: F72)."""
    if request.anchor_sid is None:
        return Window(request.size, lo_ts, hi_ts)
    key = anchor_key(request.anchor_sid)
    if key is None:
        raise invalid_parameter(
            f"Invalid PageToken: '{request.token}' names no record of this list"
        )
    if request.direction == "PA":
        return Window(request.size, lo_ts, hi_ts, after=key)
    return Window(request.size, lo_ts, hi_ts, before=key)


def collection_page(
    store: Collection[T] | None,
    request: PageRequest,
    lo_ts: int | None = None,
    hi_ts: int | None = None,
    accept: Callable[[T], bool] | None = None,
) -> Page[T]:
    """A page of a sub-resource collection (None: the conference never had one)."""
    anchor = (lambda _sid: None) if store is None else store.key_for_token
    page_window = window(request, anchor, lo_ts, hi_ts)
    return Page([], False) if store is None else store.page(page_window, accept)


def envelope(
    list_key: str,
    base_path: str,
    filters: Sequence[tuple[str, str]],
    request: PageRequest,
    page: Page[T],
    sid_of: Callable[[T], str],
    render: Callable[[T], dict[str, Any]],
) -> dict[str, Any]:
    """The list body: exactly Twilio's eight meta keys plus ``list_key``."""
    prefix = urlencode(filters) + "&" if filters else ""

    def uri(number: int, token: str | None) -> str:
        tail = f"PageSize={request.size}&Page={number}"
        if token is not None:
            tail += "&" + urlencode({"PageToken": token})
        return f"{base_path}?{prefix}{tail}"

    items = page.items
    start = request.number * request.size if items else 0
    return {
        list_key: [render(item) for item in items],
        "first_page_uri": uri(0, None),
        # null on a last page, even an exactly full one (FIDELITY: F18)
        "next_page_uri": (
            uri(request.number + 1, "PA" + sid_of(items[-1])) if items and page.has_next else None
        ),
        "previous_page_uri": (
            uri(request.number - 1, "PB" + sid_of(items[0]))
            if items and request.number > 0
            else None
        ),
        "uri": uri(request.number, request.token),
        "page": request.number,
        "page_size": request.size,
        "start": start,
        "end": start + len(items) - 1 if items else 0,
    }
