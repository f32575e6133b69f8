"""Handlers of ``…/Conferences/{ConferenceSid}/Recordings.json`` and ``…/{Sid}.json``."""

from __future__ import annotations

from urllib.parse import unquote

from ..core.backend import Backend
from ..core.errors import invalid_parameter, not_found
from ..core.recording_store import CURRENT, Recording
from ..core.sids import is_sid
from ..core.vocabulary import PAUSE_BEHAVIORS, RECORDING_STATUSES
from . import paging
from .conferences import find_conference
from .messages import ApiRequest, ApiResponse
from .params import Params, date_range, enum
from .routing import PathArgs, Route
from .wire import conference_path, recording_json

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
        recording_json,
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


RECORDINGS = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings.json"
RECORDING = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings/{Sid}.json"

ROUTES = (
    Route("GET", RECORDINGS, "ListConferenceRecording", list_recordings, list_key="recordings"),
    Route("GET", RECORDING, "FetchConferenceRecording", fetch_recording),
    Route("POST", RECORDING, "UpdateConferenceRecording", update_recording),
    Route("DELETE", RECORDING, "DeleteConferenceRecording", delete_recording),
)
