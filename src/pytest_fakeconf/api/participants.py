"""Handlers of ``…/Conferences/{ConferenceSid}/Participants.json`` and ``…/{CallSid}.json``."""

from __future__ import annotations

from urllib.parse import unquote

from ..core.backend import Backend
from ..core.conference_store import (
    MAX_PARTICIPANTS,
    Conference,
    ConferenceSettings,
    check_friendly_name,
)
from ..core.errors import (
    conference_not_found_or_completed,
    from_required,
    invalid_parameter,
    method_not_allowed,
    not_found,
    to_required,
)
from ..core.participant_store import Change, Dial, Participant
from ..core.sids import is_sid
from ..core.vocabulary import (
    CALL_CALLBACK_EVENTS,
    CONFERENCE_CALLBACK_EVENTS,
    CONFERENCE_RECORDING_CALLBACK_EVENTS,
    RECORDING_CALLBACK_EVENTS,
    REGIONS,
)
from . import paging
from .conferences import find_conference
from .messages import ApiRequest, ApiResponse
from .params import Params, boolean, enum, events, http_method, integer, sid, url
from .routing import PathArgs, Route
from .wire import conference_path, participant_json

# Enumerations of CreateParticipant's parameters (OpenAPI descriptions, §1.3).
_ENUMS = {
    "Beep": ("true", "false", "onEnter", "onExit"),
    "ConferenceRecord": ("true", "false", "record-from-start", "do-not-record"),
    "ConferenceTrim": ("trim-silence", "do-not-trim"),
    "Trim": ("trim-silence", "do-not-trim"),
    "RecordingChannels": ("mono", "dual"),
    "Region": REGIONS,
    "JitterBufferSize": ("off", "small", "medium", "large"),
    "RecordingTrack": ("inbound", "outbound", "both"),
    "MachineDetection": ("Enable", "DetectMessageEnd"),
}
_CREATE_URLS = (
    "StatusCallback", "WaitUrl", "ConferenceStatusCallback", "RecordingStatusCallback",
    "ConferenceRecordingStatusCallback", "AmdStatusCallback", "ClientNotificationUrl",
)  # fmt: skip
_CREATE_METHODS = (
    "StatusCallbackMethod", "WaitMethod", "ConferenceStatusCallbackMethod",
    "RecordingStatusCallbackMethod", "ConferenceRecordingStatusCallbackMethod",
    "AmdStatusCallbackMethod",
)  # fmt: skip
_CREATE_BOOLEANS = (
    "Record", "StartConferenceOnEnter", "EndConferenceOnExit", "EarlyMedia", "Coaching",
)  # fmt: skip
_INTEGERS = {
    "Timeout": (5, 600),
    "MaxParticipants": (2, MAX_PARTICIPANTS),
    "TimeLimit": (1, None),
    "MachineDetectionTimeout": (3, 59),
    "MachineDetectionSpeechThreshold": (1000, 6000),
    "MachineDetectionSpeechEndThreshold": (500, 5000),
    "MachineDetectionSilenceTimeout": (2000, 10000),
}
_UPDATE_URLS = ("HoldUrl", "AnnounceUrl", "WaitUrl")
_UPDATE_METHODS = ("HoldMethod", "AnnounceMethod", "WaitMethod")
_UPDATE_BOOLEANS = ("Hold", "BeepOnExit", "EndConferenceOnExit", "Coaching")


def _check(
    form: Params,
    *,
    urls: tuple[str, ...],
    methods: tuple[str, ...],
    booleans: tuple[str, ...],
    enums: dict[str, tuple[str, ...]] | None = None,
    integers: dict[str, tuple[int, int | None]] | None = None,
) -> None:
    """Validate the typed parameters of one operation that are present.

    Parameters the operation does not have are ignored, whatever their value.
    """
    for name, allowed in (enums or {}).items():
        value = form.get(name)
        if value is not None:
            enum(name, value, allowed)
    for name in urls:
        value = form.get(name)
        if value:
            url(name, value)
    for name in methods:
        value = form.get(name)
        if value is not None:
            http_method(name, value)
    for name in booleans:
        value = form.get(name)
        if value is not None:
            boolean(name, value)
    for name, (low, high) in (integers or {}).items():
        value = form.get(name)
        if value is not None:
            integer(name, value, low, high)
    value = form.get("CallSidToCoach")
    if value is not None:
        sid("CallSidToCoach", value, "CA")


def _flag(form: Params, name: str, default: bool) -> bool:
    value = form.get(name)
    if value is None:
        return default
    if name == "Muted":
        # "Anything value other than `true` or `false` is interpreted as `false`."
        return value.lower() == "true"
    return boolean(name, value)


def parse_dial(form: Params) -> Dial:
    """A validated :class:`Dial` from a create form."""
    if not form.get("From"):
        raise from_required()
    if not form.get("To"):
        raise to_required()
    _check(
        form,
        urls=_CREATE_URLS,
        methods=_CREATE_METHODS,
        booleans=_CREATE_BOOLEANS,
        enums=_ENUMS,
        integers=_INTEGERS,
    )
    byoc = form.get("Byoc")
    if byoc is not None:
        sid("Byoc", byoc, "BY")
    caller_name = form.get("CallerDisplayName")
    if caller_name is not None and not 2 <= len(caller_name) <= 255:
        raise invalid_parameter("Invalid CallerDisplayName: it must be 2 to 255 characters")
    settings = _settings(form)
    call_events = events(
        "StatusCallbackEvent", form.all("StatusCallbackEvent"), CALL_CALLBACK_EVENTS
    )
    events(
        "RecordingStatusCallbackEvent",
        form.all("RecordingStatusCallbackEvent"),
        RECORDING_CALLBACK_EVENTS,
    )
    region = form.get("Region")
    options = form.first_values()
    options["StatusCallbackEvent"] = " ".join(call_events or ("completed",))
    return Dial(
        from_=form.get("From") or "",
        to=form.get("To") or "",
        label=form.get("Label"),
        muted=_flag(form, "Muted", False),
        # "If not present, defaults to `false` unless `call_sid_to_coach` is defined."
        coaching=_flag(form, "Coaching", form.get("CallSidToCoach") is not None),
        call_sid_to_coach=form.get("CallSidToCoach"),
        start_conference_on_enter=_flag(form, "StartConferenceOnEnter", True),
        end_conference_on_exit=_flag(form, "EndConferenceOnExit", False),
        settings=settings,
        options=options,
        region=None if region is None else enum("Region", region, REGIONS),
    )


def _settings(form: Params) -> ConferenceSettings:
    """The conference-wide settings a create asks for (the first participant's count)."""
    return ConferenceSettings(
        max_participants=int(form.get("MaxParticipants") or MAX_PARTICIPANTS),
        record=form.get("ConferenceRecord") in ("true", "record-from-start"),
        trim=form.get("ConferenceTrim") or "trim-silence",
        status_callback=form.get("ConferenceStatusCallback") or None,
        status_callback_method=(form.get("ConferenceStatusCallbackMethod") or "POST").upper(),
        status_callback_events=events(
            "ConferenceStatusCallbackEvent",
            form.all("ConferenceStatusCallbackEvent"),
            CONFERENCE_CALLBACK_EVENTS,
        )
        or ("start", "end"),
        recording_status_callback=form.get("ConferenceRecordingStatusCallback") or None,
        recording_status_callback_method=(
            form.get("ConferenceRecordingStatusCallbackMethod") or "POST"
        ).upper(),
        recording_status_callback_events=events(
            "ConferenceRecordingStatusCallbackEvent",
            form.all("ConferenceRecordingStatusCallbackEvent"),
            CONFERENCE_RECORDING_CALLBACK_EVENTS,
        )
        or ("completed",),
    )


def create_participant(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    """201 with the participant ``queued``; the call is then answered (or fails)."""
    account_sid, conference = args.account_sid, args["ConferenceSid"]
    dial = parse_dial(Params(request.form))
    target = _target(backend, account_sid, unquote(conference))
    joined = backend.participants.join(account_sid, target, dial)
    # "1000" as every create example (FIDELITY: F32); a failed first dial still answers
    # 201 naming the conference that never came to be (FIDELITY: F30).
    return ApiResponse.json(201, participant_json(joined.dialled, queue_time="1000"))


def _target(backend: Backend, account_sid: str, name_or_sid: str) -> Conference | str:
    """The conference a create names: by SID (16022 if none), or a friendly name."""
    if is_sid(name_or_sid, "CF"):
        found = backend.conference_store(account_sid).get(name_or_sid)
        if found is None:
            raise conference_not_found_or_completed()
        return found
    try:
        return check_friendly_name(name_or_sid)
    except ValueError as error:
        raise invalid_parameter(f"Invalid FriendlyName: {error}") from None


def list_participants(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid, conference = args.account_sid, args["ConferenceSid"]
    if not is_sid(unquote(conference), "CF"):
        # A friendly name is only meaningful to create (twilio-php #474).
        raise method_not_allowed()
    found = find_conference(backend, request, account_sid, conference)
    params = Params(request.query)
    wanted = {
        name: boolean(name, value)
        for name in ("Muted", "Hold", "Coaching")
        if (value := params.get(name)) is not None
    }
    page_request = paging.page_request(params, "CP")

    def accept(p: Participant) -> bool:
        return all(getattr(p, name.lower()) == value for name, value in wanted.items())

    page = paging.collection_page(
        found.participants, page_request, accept=accept if wanted else None
    )
    body = paging.envelope(
        "participants",
        f"{conference_path(account_sid, found.sid)}/Participants.json",
        params.ordered(("Muted", "Hold", "Coaching")),
        page_request,
        page,
        lambda p: p.cp_sid,
        participant_json,
    )
    return ApiResponse.json(200, body)


def _participant(
    backend: Backend, request: ApiRequest, account_sid: str, conference: str, call: str
) -> Participant:
    found = find_conference(backend, request, account_sid, conference)
    store = found.participants
    participant = store.find(unquote(call)) if store is not None else None
    if participant is None:
        raise not_found(request.path)
    return participant


def fetch_participant(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid, conference, call = args.account_sid, args["ConferenceSid"], args["CallSid"]
    participant = _participant(backend, request, account_sid, conference, call)
    return ApiResponse.json(200, participant_json(participant))


def update_participant(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    account_sid, conference, call = args.account_sid, args["ConferenceSid"], args["CallSid"]
    participant = _participant(backend, request, account_sid, conference, call)
    form = Params(request.form)
    _check(form, urls=_UPDATE_URLS, methods=_UPDATE_METHODS, booleans=_UPDATE_BOOLEANS)
    coach = form.get("CallSidToCoach")
    change = Change(
        muted=_flag(form, "Muted", participant.muted) if "Muted" in form else None,
        hold=_flag(form, "Hold", participant.hold) if "Hold" in form else None,
        # "If not present, defaults to `false` unless `call_sid_to_coach` is defined."
        coaching=(
            _flag(form, "Coaching", False) if "Coaching" in form else (True if coach else None)
        ),
        call_sid_to_coach=coach,
        end_conference_on_exit=(
            _flag(form, "EndConferenceOnExit", False) if "EndConferenceOnExit" in form else None
        ),
        announce_url=form.get("AnnounceUrl") or None,
        announce_method=(form.get("AnnounceMethod") or "POST").upper(),
        options={
            k: v
            for k in ("HoldUrl", "HoldMethod", "WaitUrl", "WaitMethod", "BeepOnExit")
            if (v := form.get(k)) is not None
        },
    )
    backend.participants.update(participant, change)
    return ApiResponse.json(200, participant_json(participant))


def delete_participant(backend: Backend, request: ApiRequest, args: PathArgs) -> ApiResponse:
    """A kick: 204 with an empty body; the conference reacts (§5.3)."""
    account_sid, conference, call = args.account_sid, args["ConferenceSid"], args["CallSid"]
    participant = _participant(backend, request, account_sid, conference, call)
    backend.participants.leave(participant, kicked=True)
    return ApiResponse(204)


PARTICIPANTS = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json"
PARTICIPANT = (
    "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants/{CallSid}.json"
)

ROUTES = (
    Route("POST", PARTICIPANTS, "CreateParticipant", create_participant),
    Route("GET", PARTICIPANTS, "ListParticipant", list_participants, list_key="participants"),
    Route("GET", PARTICIPANT, "FetchParticipant", fetch_participant),
    Route("POST", PARTICIPANT, "UpdateParticipant", update_participant),
    Route("DELETE", PARTICIPANT, "DeleteParticipant", delete_participant),
)
