"""Handlers of ``…/Conferences.json`` and ``…/Conferences/{Sid}.json``."""

from __future__ import annotations

from urllib.parse import unquote

from ..core.backend import Backend
from ..core.conferences import ConferenceFilter
from ..core.errors import NotFoundError
from ..core.models import CONFERENCE_STATUSES, Conference
from ..core.sids import is_sid
from . import paging
from .messages import ApiRequest, ApiResponse
from .params import Params, date_range, enum, http_method, url
from .wire import account_path, conference_json

LIST_FILTERS = (
    "DateCreated",
    "DateCreated<",
    "DateCreated>",
    "DateUpdated",
    "DateUpdated<",
    "DateUpdated>",
    "FriendlyName",
    "Status",
)


# Twilio changed the list's default: "Starting from September 30th, 2026, the
# default is `in-progress`. To read completed conferences, set `Status` to
# `completed`." (twilio-python 9.13.0, ConferenceList.list/stream/page
# docstrings, generated from Twilio's current API definition.) The page URIs
# still carry only the filters the client sent.
DEFAULT_STATUS = "in-progress"


def list_conferences(backend: Backend, request: ApiRequest, account_sid: str) -> ApiResponse:
    params = Params(request.query)
    status = params.get("Status")
    if status is None:
        status = DEFAULT_STATUS
    else:
        enum("Status", status, CONFERENCE_STATUSES)
    created_lo, created_hi = date_range(params, "DateCreated")
    updated_lo, updated_hi = date_range(params, "DateUpdated")
    page_request = paging.page_request(params, "CF")
    store = backend.conferences(account_sid)

    def anchor_key(sid: str) -> tuple[int, int] | None:
        found = store.get(sid)
        return None if found is None else found.key

    window = paging.window(page_request, anchor_key, created_lo, created_hi)
    flt = ConferenceFilter(status, params.get("FriendlyName"), updated_lo, updated_hi)
    page = backend.list_conferences(account_sid, flt, window)
    body = paging.envelope(
        "conferences",
        f"{account_path(account_sid)}/Conferences.json",
        params.ordered(LIST_FILTERS),
        page_request,
        page,
        lambda c: c.sid,
        conference_json,
    )
    return ApiResponse.json(200, body)


def find_conference(
    backend: Backend, request: ApiRequest, account_sid: str, raw: str
) -> Conference:
    sid = unquote(raw)
    found = backend.conferences(account_sid).get(sid) if is_sid(sid, "CF") else None
    if found is None:
        raise NotFoundError(request.path)
    return found


def fetch_conference(
    backend: Backend, request: ApiRequest, account_sid: str, sid: str
) -> ApiResponse:
    return ApiResponse.json(
        200, conference_json(find_conference(backend, request, account_sid, sid))
    )


def update_conference(
    backend: Backend, request: ApiRequest, account_sid: str, sid: str
) -> ApiResponse:
    conference = find_conference(backend, request, account_sid, sid)
    form = Params(request.form)
    status = form.get("Status")
    if status is not None:
        enum("Status", status, ("completed",))
    announce_url = form.get("AnnounceUrl")
    method = "POST"
    if announce_url is not None:
        url("AnnounceUrl", announce_url)
        raw_method = form.get("AnnounceMethod")
        if raw_method is not None:
            method = http_method("AnnounceMethod", raw_method)
    # Everything is validated before anything changes.
    if announce_url is not None:
        backend.announce(conference, announce_url, method)
    if status == "completed":
        backend.end_conference(conference)
    return ApiResponse.json(200, conference_json(conference))
