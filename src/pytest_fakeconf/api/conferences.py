"""Handlers of ``…/Conferences.json`` and ``…/Conferences/{Sid}.json``."""

from __future__ import annotations

from ..core.backend import Backend
from ..core.conference_store import Conference, ConferenceFilter
from ..core.vocabulary import CONFERENCE_STATUSES, ConferenceStatus
from . import paging
from .messages import ApiRequest, ApiResponse
from .params import Params, by_sid, date_range, enum, http_method, url
from .routing import PathArgs, Route
from .wire import account_path, conference_json, conference_list_item_json

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


# Without ``Status`` the list returns what ``backend.conferences.list_default`` says
# (FIDELITY: F01): Twilio's new default ``in-progress`` ("Starting from September 30th,
# 2026, the default is `in-progress`", twilio-python 9.12+ docstrings), or every status
# (the legacy default of accounts not yet migrated). The page URIs carry only the
# filters the client sent.
UPDATE_STATUSES: tuple[ConferenceStatus, ...] = ("completed",)


def list_conferences(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid = args.account_sid
    params = Params(request.query)
    status: ConferenceStatus | None = None
    if (raw_status := params.get("Status")) is not None:
        status = enum("Status", raw_status, CONFERENCE_STATUSES)
    created_lo, created_hi = date_range(params, "DateCreated")
    updated_lo, updated_hi = date_range(params, "DateUpdated")
    page_request = paging.page_request(params, "CF")
    store = backend.conference_store(account_sid)

    def anchor_key(sid: str) -> tuple[int, int] | None:
        found = store.get(sid)
        return None if found is None else found.key

    window = paging.window(page_request, anchor_key, created_lo, created_hi)
    flt = ConferenceFilter(status, params.get("FriendlyName"), updated_lo, updated_hi)
    page = backend.conferences.list(account_sid, flt, window)
    body = paging.envelope(
        "conferences",
        f"{account_path(account_sid)}/Conferences.json",
        params.ordered(LIST_FILTERS),
        page_request,
        page,
        lambda c: c.sid,
        conference_list_item_json,
    )
    return ApiResponse.json(200, body)


def find_conference(
    backend: Backend, request: ApiRequest, account_sid: str, raw: str
) -> Conference:
    # A SID that is not CF… is a 404 (FIDELITY: F34).
    return by_sid(request.path, raw, "CF", backend.conference_store(account_sid).get)


def fetch_conference(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid, sid = args.account_sid, args["Sid"]
    return ApiResponse.json(
        200, conference_json(find_conference(backend, request, account_sid, sid))
    )


def update_conference(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid, sid = args.account_sid, args["Sid"]
    conference = find_conference(backend, request, account_sid, sid)
    form = Params(request.form)
    raw_status = form.get("Status")
    status = None if raw_status is None else enum("Status", raw_status, UPDATE_STATUSES)
    announce_url = form.get("AnnounceUrl")
    method = "POST"
    if announce_url is not None:
        url("AnnounceUrl", announce_url)
        raw_method = form.get("AnnounceMethod")
        if raw_method is not None:
            method = http_method("AnnounceMethod", raw_method)
    # Everything is validated before anything changes.
    backend.conferences.update(
        conference, status=status, announce_url=announce_url, announce_method=method
    )
    return ApiResponse.json(200, conference_json(conference))


CONFERENCES = "/2010-04-01/Accounts/{AccountSid}/Conferences.json"
CONFERENCE = "/2010-04-01/Accounts/{AccountSid}/Conferences/{Sid}.json"

ROUTES = (
    Route("GET", CONFERENCES, "ListConference", list_conferences, list_key="conferences"),
    Route("GET", CONFERENCE, "FetchConference", fetch_conference),
    Route("POST", CONFERENCE, "UpdateConference", update_conference),
)
