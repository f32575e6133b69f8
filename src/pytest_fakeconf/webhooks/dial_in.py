"""An inbound call: ask the app for TwiML, follow it, join the conference it names."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin

from ..core.conference_store import MAX_PARTICIPANTS, ConferenceSettings
from ..core.errors import (
    FakeconfError,
    TwilioError,
    coach_not_in_conference,
    http_retrieval_failure,
)
from ..core.participant_store import Dial, Participant
from ..core.vocabulary import (
    CONFERENCE_CALLBACK_EVENTS,
    CONFERENCE_RECORDING_CALLBACK_EVENTS,
    REGIONS,
    one_of,
)
from ..formats import API_VERSION
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
            raise http_retrieval_failure(url, why)
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
    settings = _settings(a, document_url)
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
        region=one_of("region", a["region"], REGIONS) if "region" in a else None,
    )
    try:
        return backend.participants.join(account_sid, noun.name, dial).participant
    except TwilioError as error:
        if error.code == 16028 and dial.call_sid_to_coach is not None:
            # The TwiML `coach` attribute fails with 13240 (its REST twin is 16028).
            raise coach_not_in_conference(dial.call_sid_to_coach) from None
        raise


def _settings(a: dict[str, str], document_url: str) -> ConferenceSettings:
    """The conference-wide settings of ``<Conference>``'s attributes (validated by twiml.read)."""

    def absolute(key: str) -> str | None:
        return urljoin(document_url, a[key]) if a.get(key) else None

    limit = twiml.integer(a.get("maxParticipants", ""))
    return ConferenceSettings(
        max_participants=MAX_PARTICIPANTS if limit is None else limit,
        record=a.get("record") == "record-from-start",
        trim=a.get("trim", "trim-silence"),
        status_callback=absolute("statusCallback"),
        status_callback_method=twiml.http_method(a.get("statusCallbackMethod", "POST")),
        # <Conference statusCallbackEvent> has no default (the REST API's is "start end").
        status_callback_events=tuple(
            one_of("statusCallbackEvent", word, CONFERENCE_CALLBACK_EVENTS)
            for word in twiml.events(a.get("statusCallbackEvent", ""))
        ),
        recording_status_callback=absolute("recordingStatusCallback"),
        recording_status_callback_method=twiml.http_method(
            a.get("recordingStatusCallbackMethod", "POST")
        ),
        recording_status_callback_events=tuple(
            one_of("recordingStatusCallbackEvent", word, CONFERENCE_RECORDING_CALLBACK_EVENTS)
            for word in twiml.events(a.get("recordingStatusCallbackEvent", "completed"))
        ),
    )
