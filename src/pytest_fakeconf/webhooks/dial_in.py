"""An inbound call (``fakeconf.dial_in``), and how ``<Dial><Conference>`` joins a conference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from ..core.conference_store import MAX_PARTICIPANTS, ConferenceSettings
from ..core.errors import TwilioError, coach_not_in_conference
from ..core.participant_store import Dial, Participant
from ..core.vocabulary import (
    CONFERENCE_CALLBACK_EVENTS,
    CONFERENCE_RECORDING_CALLBACK_EVENTS,
    REGIONS,
    one_of,
)
from . import twiml

if TYPE_CHECKING:
    from ..core.backend import Backend
    from .alerts import Alerts
    from .voice import VoiceRunner


def dial_in(
    backend: Backend,
    runner: VoiceRunner,
    alerts: Alerts,
    account_sid: str,
    url: str,
    *,
    from_: str,
    to: str,
    method: str = "POST",
    answers: Sequence[str] = (),
) -> Participant | None:
    """Place an inbound call to ``to`` whose voice URL is ``url``, run by the runner.

    Returns the participant when the TwiML joined a conference, None when the
    call ended without one. Raises the :class:`TwilioError` the call ended with
    (also in ``alerts``): 11200 when the app did not answer 2xx, 12100 when the
    TwiML does not parse, 12200 when it is not valid TwiML, a join's refusal
    (13240, 16020, 16026…); :class:`FakeconfError` when the fake stopped a
    ``<Redirect>`` loop. Nothing joins in any of these cases. ``answers`` answer the
    call's ``<Gather>``s in order (digits, or speech for a speech-only gather).
    """
    for answer in answers:
        if not isinstance(answer, str) or not answer:
            raise ValueError(f"each answer must be a non-empty string, got {answer!r}")
    runner.script(to, from_, answers)
    try:
        call = backend.calls.receive(account_sid, to=to, from_=from_, url=url, method=method)
    finally:
        runner.unscript()
    for alert in alerts.for_call(call.sid):
        if alert.error is not None:
            raise alert.error
    joined = runner.joined(call.sid)
    return joined[0] if joined else None


def conference_dial(
    backend: Backend,
    account_sid: str,
    call_sid: str,
    from_: str,
    to: str,
    document_url: str,
    noun: twiml.JoinConference,
) -> Participant:
    """The call ``call_sid`` joins the conference ``<Dial><Conference>`` names, with
    the noun's attributes (validated by :func:`twiml.parse`), under the REST rules."""
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
        options=_options(a, document_url),
        region=one_of("region", a["region"], REGIONS) if "region" in a else None,
    )
    try:
        return backend.participants.join(account_sid, noun.name, dial).participant
    except TwilioError as error:
        if error.code == 16028 and dial.call_sid_to_coach is not None:
            # The TwiML `coach` attribute fails with 13240 (its REST twin is 16028).
            raise coach_not_in_conference(dial.call_sid_to_coach) from None
        raise


def _options(a: dict[str, str], document_url: str) -> dict[str, str]:
    """``beep``, ``waitUrl`` (made absolute against the document, §3.1) and ``waitMethod``."""
    options = {k: v for k, v in a.items() if k in ("beep", "waitUrl", "waitMethod")}
    if options.get("waitUrl"):
        options["waitUrl"] = urljoin(document_url, options["waitUrl"])
    return options


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
