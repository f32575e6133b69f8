"""Handlers of ``…/Conferences/{ConferenceSid}/Recordings.json`` and ``…/{Sid}.json``."""

from __future__ import annotations

from urllib.parse import unquote

from ..core.backend import Backend
from ..core.errors import NotFoundError, invalid
from ..core.models import RECORDING_STATUSES, Recording
from ..core.recordings import CURRENT, PAUSE_BEHAVIORS
from ..core.sids import is_sid
from . import paging
from .conferences import find_conference
from .messages import ApiRequest, ApiResponse
from .params import Params, date_range, enum
from .wire import conference_path, recording_json

LIST_FILTERS = ("DateCreated", "DateCreated<", "DateCreated>")


def list_recordings(
    backend: Backend, request: ApiRequest, account_sid: str, conference: str
) -> ApiResponse:
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
        raise NotFoundError(request.path)
    return recording


def fetch_recording(
    backend: Backend, request: ApiRequest, account_sid: str, conference: str, sid: str
) -> ApiResponse:
    recording = _recording(backend, request, account_sid, conference, sid)
    return ApiResponse.json(200, recording_json(recording))


def update_recording(
    backend: Backend, request: ApiRequest, account_sid: str, conference: str, sid: str
) -> ApiResponse:
    """``Status`` (required) paused / in-progress / stopped; ``Sid`` may be ``Twilio.CURRENT``."""
    recording = _recording(backend, request, account_sid, conference, sid, current=True)
    form = Params(request.form)
    status = form.get("Status")
    if status is None:
        raise invalid("Missing required parameter Status in the post body")
    enum("Status", status, RECORDING_STATUSES)
    behavior = form.get("PauseBehavior") or "silence"
    enum("PauseBehavior", behavior, PAUSE_BEHAVIORS)
    now, _ = backend.moment(None, recording.date_updated)
    backend.recorder.change(recording, status, behavior, now)
    body = recording_json(recording)
    backend.recorder.settle(recording, now)
    return ApiResponse.json(200, body)


def delete_recording(
    backend: Backend, request: ApiRequest, account_sid: str, conference: str, sid: str
) -> ApiResponse:
    recording = _recording(backend, request, account_sid, conference, sid)
    backend.recorder.delete(recording)
    return ApiResponse(204)
