"""Handlers of ``…/Conferences/{ConferenceSid}/Recordings.json`` and ``…/{Sid}.json``,
and of the account's ``…/Recordings.json`` and ``…/Recordings/{Sid}.json`` (§7 of
``../shared/reference/twilio-calls-and-twiml.md``: conference recordings appear there)."""

from __future__ import annotations

from functools import partial
from urllib.parse import unquote

from ..core.backend import Backend
from ..core.errors import invalid_parameter, not_found
from ..core.recording_store import CURRENT, Recording, RecordingStore
from ..core.sids import is_sid
from ..core.vocabulary import PAUSE_BEHAVIORS, RECORDING_STATUSES
from . import paging
from .conferences import find_conference
from .messages import ApiRequest, ApiResponse
from .params import Params, boolean, by_sid, date_range, enum, instant_range, sid
from .routing import PathArgs, Route
from .wire import (
    account_path,
    account_recording_json,
    conference_path,
    recording_json,
    recording_list_item_json,
)

LIST_FILTERS = ("DateCreated", "DateCreated<", "DateCreated>")


def list_recordings(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid, conference = args.account_sid, args["ConferenceSid"]
    found = find_conference(backend, request, account_sid, conference)
    params = Params(request.query)
    lo, hi = date_range(params, "DateCreated")
    page_request = paging.page_request(params, "RE")
    page = paging.collection_page(found.recordings, page_request, lo, hi)
    body = paging.envelope(
        "recordings",
        f"{conference_path(account_sid, found.sid)}/Recordings.json",
        params.ordered(LIST_FILTERS),
        page_request,
        page,
        lambda r: r.sid,
        recording_list_item_json,
    )
    return ApiResponse.json(200, body)


def _recording(
    backend: Backend,
    request: ApiRequest,
    account_sid: str,
    conference: str,
    sid: str,
    *,
    current: bool = False,
) -> Recording:
    found = find_conference(backend, request, account_sid, conference)
    wanted = unquote(sid)
    allowed = is_sid(wanted, "RE") or (current and wanted == CURRENT)
    recording = found.recordings.get(wanted) if allowed and found.recordings else None
    if recording is None:
        raise not_found(request.path)
    return recording


def fetch_recording(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid, conference, sid = args.account_sid, args["ConferenceSid"], args["Sid"]
    recording = _recording(backend, request, account_sid, conference, sid)
    return ApiResponse.json(200, recording_json(recording))


def update_recording(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    """``Status`` (required) paused / in-progress / stopped; ``Sid`` may be ``Twilio.CURRENT``."""
    account_sid, conference, sid = args.account_sid, args["ConferenceSid"], args["Sid"]
    recording = _recording(backend, request, account_sid, conference, sid, current=True)
    form = Params(request.form)
    raw_status = form.get("Status")
    if raw_status is None:
        raise invalid_parameter("Missing required parameter Status in the post body")
    status = enum("Status", raw_status, RECORDING_STATUSES)
    behavior = enum("PauseBehavior", form.get("PauseBehavior") or "silence", PAUSE_BEHAVIORS)
    updated = backend.recordings.update(recording, status, behavior)
    return ApiResponse.json(200, recording_json(updated.answered))


def delete_recording(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid, conference, sid = args.account_sid, args["ConferenceSid"], args["Sid"]
    recording = _recording(backend, request, account_sid, conference, sid)
    backend.recordings.delete(recording)
    return ApiResponse(204)


ACCOUNT_LIST_FILTERS = (
    "DateCreated", "DateCreated<", "DateCreated>", "CallSid", "ConferenceSid", "IncludeSoftDeleted",
)  # fmt: skip


def list_account_recordings(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    """Every recording of the account, newest first; ``ConferenceSid`` walks that
    conference's recordings alone. A conference recording's ``call_sid`` is the
    participant whose join started it (FIDELITY: F21): ``CallSid`` finds those.
    ``IncludeSoftDeleted`` is accepted: the fake keeps no deleted recordings."""
    account_sid = args.account_sid
    params = Params(request.query)
    call_sid = params.get("CallSid")
    if call_sid is not None:
        sid("CallSid", call_sid, "CA")
    conference_sid = params.get("ConferenceSid")
    if conference_sid is not None:
        sid("ConferenceSid", conference_sid, "CF")
    if (value := params.get("IncludeSoftDeleted")) is not None:
        boolean("IncludeSoftDeleted", value)
    # "on or before midnight" / "on or after midnight": inclusive (§7).
    lo, hi = instant_range(params, "DateCreated", strictly_before=False)
    page_request = paging.page_request(params, "RE")
    store: RecordingStore | None = backend.recording_store(account_sid)
    if conference_sid is not None:
        conference = backend.conference_store(account_sid).get(conference_sid)
        store = conference.recordings if conference is not None else None
    accept = (lambda r: r.call_sid == call_sid) if call_sid is not None else None
    page = paging.collection_page(store, page_request, lo, hi, accept)
    body = paging.envelope(
        "recordings",
        f"{account_path(account_sid)}/Recordings.json",
        params.ordered(ACCOUNT_LIST_FILTERS),
        page_request,
        page,
        lambda r: r.sid,
        account_recording_json,
    )
    return ApiResponse.json(200, body)


def _account_recording(backend: Backend, request: ApiRequest, args: PathArgs) -> Recording:
    get = partial(backend.recordings.get, args.account_sid)
    return by_sid(request.path, args["Sid"], "RE", get)


def fetch_account_recording(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    return ApiResponse.json(200, account_recording_json(_account_recording(backend, request, args)))


def delete_account_recording(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    backend.recordings.delete(_account_recording(backend, request, args))
    return ApiResponse(204)


RECORDINGS = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings.json"
RECORDING = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings/{Sid}.json"
ACCOUNT_RECORDINGS = "/2010-04-01/Accounts/{AccountSid}/Recordings.json"
ACCOUNT_RECORDING = "/2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json"

ROUTES = (
    Route("GET", RECORDINGS, "ListConferenceRecording", list_recordings, list_key="recordings"),
    Route("GET", RECORDING, "FetchConferenceRecording", fetch_recording),
    Route("POST", RECORDING, "UpdateConferenceRecording", update_recording),
    Route("DELETE", RECORDING, "DeleteConferenceRecording", delete_recording),
    Route(
        "GET",
        ACCOUNT_RECORDINGS,
        "ListRecording",
        list_account_recordings,
        list_key="recordings",
    ),
    Route("GET", ACCOUNT_RECORDING, "FetchRecording", fetch_account_recording),
    Route("DELETE", ACCOUNT_RECORDING, "DeleteRecording", delete_account_recording),
)
