"""Conference TwiML: announcements, wait music and hold music (calls reference §6).

A listener on the core's event log, after :class:`.callbacks.StatusCallbacks` and
:class:`.voice.VoiceRunner`:

* ``conference-announce`` (``POST /Conferences/{Sid}`` ``AnnounceUrl``,
  ``ConferenceHandle.announce``) and ``participant-announce`` (a participant update's
  ``AnnounceUrl``): the URL is requested (signed, through the webhook router) and its
  TwiML run; then the conference's status callback, if it chose ``announcement``,
  gets ``announcement-end``, or ``announcement-fail`` with
  ``ReasonAnnouncementFailed`` when the document could not be fetched or run;
* a participant that joins a conference still ``init`` waits: its ``waitUrl``
  (``<Conference waitUrl>``, Participants ``WaitUrl``) is requested and checked;
* a participant put on hold: its ``HoldUrl`` (method ``HoldMethod``, default GET) is
  requested and checked.

Only ``<Play>``, ``<Say>``, ``<Pause>`` and ``<Redirect>`` may be there; any other
verb is error 13238 (§6, ERR-13238). What is said or played goes into the call log
of each call that hears it (``CallHandle.log``, ``source`` ``announcement``,
``wait`` or ``hold``); what fails becomes an alert. Nothing here changes a call or a
conference: a failed wait or hold document leaves the participant where it is.

GUESSES (FIDELITY: F64): the request parameters (§6: "not
documented"; the fake sends §2.1's set for the participant's call, or the account,
conference SID and name for a conference announcement, plus ``ConferenceSid``); a URL
that no ``route_webhooks`` base covers, or whose path ends in an audio extension, is
media the fake does not fetch: it is logged as a ``Play`` of that URL and counts as
played; a document ending in ``<Redirect>`` back to a URL already played (the loop
Twilio documents for wait music) stops there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from ..core.call_store import Call
from ..core.errors import TwilioError, http_retrieval_failure, verb_not_allowed_in_conference_twiml
from ..core.events import Event
from ..core.participant_store import Participant
from ..formats import API_VERSION
from . import twiml
from .voice import MAX_DOCUMENTS, LogEntry, LogSource, Pairs, heard_entry

if TYPE_CHECKING:
    from ..core.backend import Backend
    from .alerts import Alerts
    from .callbacks import StatusCallbacks
    from .delivery import Router
    from .voice import VoiceRunner

MEDIA = (".mp3", ".wav", ".wave", ".ogg", ".aif", ".aiff", ".gsm", ".ulaw")
Where = Literal["announce", "wait", "hold"]
SOURCES: dict[Where, LogSource] = {"announce": "announcement", "wait": "wait", "hold": "hold"}


class ConferenceTwiml:
    """Fetches, checks and plays the conference TwiML of one fake."""

    def __init__(
        self,
        backend: Backend,
        router: Router,
        alerts: Alerts,
        callbacks: StatusCallbacks,
        runner: VoiceRunner,
    ) -> None:
        self._backend = backend
        self._router = router
        self._alerts = alerts
        self._callbacks = callbacks
        self._runner = runner
        backend.events.subscribe(self.on_event)

    def on_event(self, event: Event) -> None:
        kind = event.kind
        if kind == "conference-announce":
            self._announce(event, None)
            return
        participant = event.data.get("participant")
        if not isinstance(participant, Participant):
            return  # the event of a call that is in no conference
        if kind == "participant-announce":
            self._announce(event, participant)
        elif kind == "participant-join":
            self._waiting(participant)
        elif kind == "participant-hold":
            url = participant.options.get("HoldUrl")
            method = participant.options.get("HoldMethod") or "GET"  # §6: GET
            if url and participant.live:
                self._play(url, method, participant, "hold", [participant.call_sid])

    # -- announcements ----------------------------------------------------------------
    def _announce(self, event: Event, participant: Participant | None) -> None:
        url, method = str(event.data.get("url", "")), str(event.data.get("method", "POST"))
        if participant is not None:
            listeners = [participant.call_sid] if participant.live else []
        else:
            conference = self._backend.conference_store(event.account_sid).get(event.conference_sid)
            store = conference.participants if conference is not None else None
            listeners = [p.call_sid for p in store.live()] if store is not None else []
        error = self._play(
            url, method, participant, "announce", listeners, event.account_sid, event.conference_sid
        )
        if error is None:
            self._callbacks.conference_event(event, "announcement-end")
        else:
            reason = [("ReasonAnnouncementFailed", error.message)]
            self._callbacks.conference_event(event, "announcement-fail", reason)

    # -- waiting ----------------------------------------------------------------------
    def _waiting(self, participant: Participant) -> None:
        """A participant that joined a conference not yet started hears its wait URL."""
        conference = self._backend.conference_of(participant)
        if not participant.live or conference.status != "init":
            return
        options = participant.options
        url = options.get("waitUrl", options.get("WaitUrl"))
        method = options.get("waitMethod") or options.get("WaitMethod") or "POST"
        if url:  # None: Twilio's default playlist, "" silence; neither is fetched
            self._play(url, method, participant, "wait", [participant.call_sid])

    # -- playing ----------------------------------------------------------------------
    def _play(
        self,
        url: str,
        method: str,
        participant: Participant | None,
        where: Where,
        listeners: list[str],
        account_sid: str = "",
        conference_sid: str = "",
    ) -> TwilioError | None:
        """Fetch and check ``url``'s TwiML, log what it plays to ``listeners``; the
        error (also an alert) if it could not be fetched or holds a verb not allowed."""
        call = self._backend.call_of(participant) if participant is not None else None
        if participant is not None:
            account_sid, conference_sid = participant.account_sid, participant.conference_sid
        source = SOURCES[where]
        played: list[LogEntry] = []
        seen: set[str] = set()
        error: TwilioError | None = None
        for _ in range(MAX_DOCUMENTS):
            if url in seen:
                break  # a <Redirect> back: the music loops; once is enough here
            seen.add(url)
            if self._router.receiver_for(url) is None or _is_media(url):
                played.append(LogEntry("Play", url, source=source))
                break
            params = self._params(call, account_sid, conference_sid)
            delivery = self._router.send("voice", url, method, params)
            if not delivery.ok:
                why = delivery.error.splitlines()[-1] if delivery.error else delivery.status_code
                error = http_retrieval_failure(url, why)
                break
            try:
                error, follow = self._read(delivery.response_body, url, where, played, source)
            except TwilioError as failure:
                error = failure
                break
            if error is not None or follow is None:
                break
            url, method = follow
        for sid in listeners:
            for entry in played:
                self._runner.record(sid, entry)
        if error is not None:
            # No ``error=``: the call goes on (dial_in raises only what ended a call).
            self._alerts.add(
                error.code,
                error.message,
                url=url,
                call_sid=call.sid if call is not None else None,
                conference_sid=conference_sid or None,
            )
        return error

    def _read(
        self, document: bytes, url: str, where: Where, played: list[LogEntry], source: LogSource
    ) -> tuple[TwilioError | None, tuple[str, str] | None]:
        """Check one document (13238 for a verb not allowed: nothing of it plays), add
        what it plays; the ``<Redirect>`` it ends with, if any."""
        verbs = twiml.parse(document)
        for verb in verbs:
            if not isinstance(verb, (twiml.Say, twiml.Play, twiml.Pause, twiml.Redirect)):
                name = verb.verb if isinstance(verb, twiml.Unsupported) else type(verb).__name__
                return verb_not_allowed_in_conference_twiml(name, where), None
        for verb in verbs:
            if isinstance(verb, twiml.Redirect):
                return None, (urljoin(url, verb.url) if verb.url else url, verb.method)
            assert isinstance(verb, (twiml.Say, twiml.Play, twiml.Pause))
            played.append(heard_entry(verb, source))
        return None, None

    def _params(self, call: Call | None, account_sid: str, conference_sid: str) -> Pairs:
        conference = self._backend.conference_store(account_sid).get(conference_sid)
        assert conference is not None  # what plays, plays in a conference that exists
        extra: Pairs = [
            ("ConferenceSid", conference_sid),
            ("FriendlyName", conference.friendly_name),
        ]
        if call is not None:
            return self._runner.params(call, extra)
        return [("AccountSid", account_sid), ("ApiVersion", API_VERSION), *extra]


def _is_media(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(MEDIA)
