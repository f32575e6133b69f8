"""An inbound call: ask the app for TwiML, follow it, join the conference it names."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin

from ..api.wire import API_VERSION
from ..core.calls import Dial
from ..core.errors import FakeconfError, TwilioError
from ..core.models import MAX_PARTICIPANTS, ConferenceSettings, Participant
from . import twiml
from .delivery import Router

if TYPE_CHECKING:
    from ..core.backend import Backend

MAX_REDIRECTS = 20


def dial_in(
    backend: Backend,
    router: Router,
    account_sid: str,
    url: str,
    *,
    from_: str,
    to: str,
    method: str = "POST",
) -> Participant | None:
    """Place an inbound call to ``to`` whose voice URL is ``url``.

    Returns the participant when the TwiML joined a conference, None when the
    call ended without one. Raises :class:`TwilioError` 11200 when the app did
    not answer 2xx, 12100 when the TwiML does not parse, 12200 when it is not
    valid TwiML (nothing joins in any of these cases).
    """
    call_sid = backend.sids.sid("CA")
    status = "ringing"
    for _ in range(MAX_REDIRECTS + 1):
        pairs = [
            ("AccountSid", account_sid),
            ("ApiVersion", API_VERSION),
            ("CallSid", call_sid),
            ("CallStatus", status),
            ("Called", to),
            ("Caller", from_),
            ("Direction", "inbound"),
            ("From", from_),
            ("To", to),
        ]
        delivery = router.send("voice", url, method, pairs)
        if not delivery.ok:
            why = delivery.error.splitlines()[-1] if delivery.error else delivery.status_code
            raise TwilioError(400, 11200, f"HTTP retrieval failure: {url} ({why})")
        outcome = twiml.read(delivery.response_body)
        if isinstance(outcome, twiml.Redirect):
            url, method, status = urljoin(url, outcome.url), outcome.method, "in-progress"
            continue
        if outcome is None:
            return None
        return _join(backend, account_sid, call_sid, from_, to, url, outcome)
    raise FakeconfError(f"more than {MAX_REDIRECTS} <Redirect>s in a row; last URL {url}")


def _join(
    backend: Backend,
    account_sid: str,
    call_sid: str,
    from_: str,
    to: str,
    document_url: str,
    noun: twiml.JoinConference,
) -> Participant:
    a = noun.attributes

    def absolute(key: str) -> str | None:
        return urljoin(document_url, a[key]) if a.get(key) else None

    limit = twiml.integer(a.get("maxParticipants", ""))  # validated by twiml.read
    settings = ConferenceSettings(
        max_participants=MAX_PARTICIPANTS if limit is None else limit,
        record=a.get("record") == "record-from-start",
        trim=a.get("trim", "trim-silence"),
        status_callback=absolute("statusCallback"),
        status_callback_method=twiml.http_method(a.get("statusCallbackMethod", "POST")),
        # <Conference statusCallbackEvent> has no default (the REST API's is "start end").
        status_callback_events=twiml.events(a.get("statusCallbackEvent", "")),
        recording_status_callback=absolute("recordingStatusCallback"),
        recording_status_callback_method=twiml.http_method(
            a.get("recordingStatusCallbackMethod", "POST")
        ),
        recording_status_callback_events=twiml.events(
            a.get("recordingStatusCallbackEvent", "completed")
        ),
    )
    dial = Dial(
        from_=from_,
        to=to,
        label=a.get("participantLabel"),
        call_sid=call_sid,
        muted=a.get("muted") == "true",
        coaching="coach" in a,
        call_sid_to_coach=a.get("coach"),
        start_conference_on_enter=a.get("startConferenceOnEnter", "true") == "true",
        end_conference_on_exit=a.get("endConferenceOnExit") == "true",
        settings=settings,
        options={k: v for k, v in a.items() if k in ("beep", "waitUrl", "waitMethod")},
        region=a.get("region"),
    )
    conference = backend.conferences(account_sid).active_named(noun.name)
    coached = dial.call_sid_to_coach
    if coached is not None:
        present = conference.participants if conference is not None else None
        if present is None or not present.has_call(coached):
            # The TwiML `coach` attribute fails with 13240 (its REST twin is 16028).
            raise TwilioError(
                400, 13240, f"Conference: the call to coach ({coached}) is not in the conference"
            )
    with backend.events.batch():
        backend.calls.check_join(conference, dial)
        if conference is None:
            conference = backend.create_conference(
                account_sid, noun.name, status="init", region=a.get("region", "us1")
            )
        return backend.calls.join(conference, dial)
