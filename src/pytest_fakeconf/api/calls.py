"""Handlers of ``…/Calls.json`` and ``…/Calls/{Sid}.json``.

Sources: ``../shared/reference/twilio-calls-and-twiml.md`` §1.5 (create parameters),
§1.6 (create errors), §1.7 (list filters), §1.8 (update), §1.9 (delete).
"""

from __future__ import annotations

import re
from functools import partial

from ..core.backend import Backend
from ..core.call_store import API_TIMEOUT, Call, CallFilter
from ..core.calls import amd_of
from ..core.errors import (
    from_required,
    instructions_required,
    invalid_method,
    invalid_send_digits,
    invalid_status_callback_events,
    invalid_timeout,
    to_required,
    twiml_apps_unsupported,
)
from ..core.vocabulary import CALL_CALLBACK_EVENTS, CALL_STATUSES, CallCallbackEvent, CallStatus
from . import paging
from .messages import ApiRequest, ApiResponse
from .params import Params, boolean, by_sid, enum, instant_range, integer, sid, url
from .routing import PathArgs, Route
from .wire import account_path, call_json

LIST_FILTERS = (
    "To",
    "From",
    "ParentCallSid",
    "Status",
    "StartTime",
    "StartTime<",
    "StartTime>",
    "EndTime",
    "EndTime<",
    "EndTime>",
)
UPDATE_STATUSES: tuple[CallStatus, ...] = ("canceled", "completed")

# Typed parameters of CreateCall (§1.5), checked when present; unknown ones are ignored.
_CREATE_URLS = (
    "FallbackUrl", "StatusCallback", "RecordingStatusCallback", "AsyncAmdStatusCallback",
    "ClientNotificationUrl",
)  # fmt: skip
_CREATE_METHODS = (
    "Method", "FallbackMethod", "StatusCallbackMethod", "RecordingStatusCallbackMethod",
    "AsyncAmdStatusCallbackMethod",
)  # fmt: skip
_CREATE_ENUMS: dict[str, tuple[str, ...]] = {
    "RecordingChannels": ("mono", "dual"),
    "RecordingTrack": ("inbound", "outbound", "both"),
    "Trim": ("trim-silence", "do-not-trim"),
    "MachineDetection": ("Enable", "DetectMessageEnd"),
    "AsyncAmd": ("true", "false"),
}
_CREATE_INTEGERS: dict[str, tuple[int, int | None]] = {
    "TimeLimit": (1, None),
    "MachineDetectionTimeout": (3, 59),
    "MachineDetectionSpeechThreshold": (1000, 6000),
    "MachineDetectionSpeechEndThreshold": (500, 5000),
    "MachineDetectionSilenceTimeout": (2000, 10000),
}
_RECORDING_EVENTS = ("in-progress", "completed", "absent")
_SEND_DIGITS = re.compile(r"\A[0-9ABCD#*wW]{1,32}\Z")
_TIMEOUT = re.compile(r"\A\d{1,3}\Z")


def _method(form: Params, name: str) -> str:
    """A ``*Method`` parameter: GET or POST (any case), else 21209; POST by default."""
    value = form.get(name)
    if value is None or value == "":
        return "POST"
    if value.upper() not in ("GET", "POST"):
        raise invalid_method(name, value)
    return value.upper()


def _url(form: Params, name: str) -> str | None:
    value = form.get(name)
    return url(name, value) if value else None


def _callback_events(form: Params) -> tuple[CallCallbackEvent, ...]:
    """``StatusCallbackEvent`` (repeated keys, §1.5), 21626 for an unknown one."""
    chosen: list[CallCallbackEvent] = []
    for word in form.all("StatusCallbackEvent"):
        for allowed in CALL_CALLBACK_EVENTS:
            if word == allowed:
                chosen.append(allowed)
                break
        else:
            raise invalid_status_callback_events()
    return tuple(chosen) or ("completed",)


def _check_create(form: Params) -> None:
    """Every typed CreateCall parameter that is present, with Twilio's codes."""
    for name in _CREATE_URLS:
        _url(form, name)
    for name in _CREATE_METHODS:
        _method(form, name)
    for name, allowed in _CREATE_ENUMS.items():
        if (value := form.get(name)) is not None:
            enum(name, value, allowed)
    for name, (low, high) in _CREATE_INTEGERS.items():
        if (value := form.get(name)) is not None:
            integer(name, value, low, high)
    if (value := form.get("Record")) is not None:
        boolean("Record", value)
    if (value := form.get("Timeout")) is not None and not (
        _TIMEOUT.match(value) and 1 <= int(value) <= 600  # "default 60, max 600"
    ):
        raise invalid_timeout(value)
    if (value := form.get("SendDigits")) is not None and not _SEND_DIGITS.match(value):
        raise invalid_send_digits(value)
    if (value := form.get("Byoc")) is not None:
        sid("Byoc", value, "BY")
    for word in form.all("RecordingStatusCallbackEvent"):
        enum("RecordingStatusCallbackEvent", word, _RECORDING_EVENTS)


def create_call(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    """201 with the call ``queued``; it is then placed (answered or failed, per outcome)."""
    form = Params(request.form)
    if not form.get("To"):
        raise to_required()
    if not form.get("From"):
        raise from_required()
    if form.get("ApplicationSid"):
        raise twiml_apps_unsupported()
    call_url = _url(form, "Url")
    twiml = form.get("Twiml") or None
    if call_url is None and twiml is None:
        raise instructions_required()
    _check_create(form)
    timeout, time_limit = form.get("Timeout"), form.get("TimeLimit")
    placed = backend.calls.originate(
        args.account_sid,
        to=form.get("To") or "",
        from_=form.get("From") or "",
        url=call_url,
        method=_method(form, "Method"),
        # "If both `twiml` and `url` are provided then `twiml` parameter will be ignored."
        twiml=None if call_url is not None else twiml,
        status_callback=_url(form, "StatusCallback"),
        status_callback_method=_method(form, "StatusCallbackMethod"),
        status_callback_events=_callback_events(form),
        options=form.first_values(),
        timeout=int(timeout) if timeout else API_TIMEOUT,
        time_limit=int(time_limit) if time_limit else None,
        amd=amd_of(form.first_values(), asynchronous=True),
    )
    return ApiResponse.json(201, call_json(placed.created))


def list_calls(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid = args.account_sid
    params = Params(request.query)
    status = params.get("Status")
    if status is not None:
        enum("Status", status, CALL_STATUSES)
    parent = params.get("ParentCallSid")
    if parent is not None:
        sid("ParentCallSid", parent, "CA")
    start_lo, start_hi = instant_range(params, "StartTime", strictly_before=True)
    end_lo, end_hi = instant_range(params, "EndTime", strictly_before=True)
    flt = CallFilter(
        to=params.get("To"),
        from_=params.get("From"),
        parent_call_sid=parent,
        status=status,
        start_lo=start_lo,
        start_hi=start_hi,
        end_lo=end_lo,
        end_hi=end_hi,
    )
    page_request = paging.page_request(params, "CA")
    window = paging.window(page_request, backend.call_store(account_sid).key_for_token)
    page = backend.calls.list(account_sid, flt, window)
    body = paging.envelope(
        "calls",
        f"{account_path(account_sid)}/Calls.json",
        params.ordered(LIST_FILTERS),
        page_request,
        page,
        lambda c: c.sid,
        call_json,
    )
    return ApiResponse.json(200, body)


def find_call(backend: Backend, request: ApiRequest, args: PathArgs) -> Call:
    return by_sid(request.path, args["Sid"], "CA", partial(backend.calls.get, args.account_sid))


def fetch_call(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    return ApiResponse.json(200, call_json(find_call(backend, request, args)))


def update_call(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    """A redirect (``Url`` or ``Twiml``, mutually exclusive) and/or ``Status``
    ``completed`` (hang up) or ``canceled`` (a queued or ringing call)."""
    call = find_call(backend, request, args)
    form = Params(request.form)
    raw_status = form.get("Status")
    status = None if raw_status is None else enum("Status", raw_status, UPDATE_STATUSES)
    call_url = _url(form, "Url")
    for name in ("FallbackUrl", "StatusCallback"):
        _url(form, name)
    for name in ("FallbackMethod", "StatusCallbackMethod"):
        _method(form, name)
    time_limit = form.get("TimeLimit")
    if time_limit is not None:
        integer("TimeLimit", time_limit, 1)
    backend.calls.update(
        call,
        status=status,
        url=call_url,
        method=_method(form, "Method"),
        twiml=form.get("Twiml") or None,
        time_limit=int(time_limit) if time_limit is not None else None,
    )
    return ApiResponse.json(200, call_json(call))


def delete_call(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    """204 with an empty body; the call no longer appears in list or fetch (§1.9)."""
    backend.calls.delete(find_call(backend, request, args))
    return ApiResponse(204)


CALLS = "/2010-04-01/Accounts/{AccountSid}/Calls.json"
CALL = "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json"

ROUTES = (
    Route("POST", CALLS, "CreateCall", create_call),
    Route("GET", CALLS, "ListCall", list_calls, list_key="calls"),
    Route("GET", CALL, "FetchCall", fetch_call),
    Route("POST", CALL, "UpdateCall", update_call),
    Route("DELETE", CALL, "DeleteCall", delete_call),
)
