"""The TwiML runner: a call's instructions, fetched and executed verb by verb.

A listener on the core's event log (like :class:`.callbacks.StatusCallbacks`), so it
runs once the operation that answered or redirected a call is over, before that
operation returns to its caller (``core/events.py``). For each TwiML-driven call
(``Call.url`` or ``Call.twiml``), following ``shared/reference/twilio-calls-and-twiml.md``:

* on ``call-answered`` it requests the call's ``Url`` (signed, through the webhook
  :class:`~.delivery.Router`, with the voice-webhook parameters of §2.1) or takes its
  ``Twiml``, and runs the verbs top to bottom (§3.1): ``<Say>``/``<Play>``/``<Pause>``
  are journalled (no clock time passes), ``<Redirect>`` fetches the next document,
  ``<Hangup>``/``<Reject>`` and the end of the document end the call;
* ``<Dial><Conference>`` makes the call's own CallSid a participant (§1.3: a
  conference dial is no new call) and waits; when the participant leaves (kicked,
  the conference ended, ``endConferenceOnExit`` of another) the ``<Dial>`` is over:
  its ``action`` is requested with ``DialCallStatus=answered`` and runs, or the next
  verb runs (§3.6);
* on ``call-redirected`` (``calls(sid).update(url=…|twiml=…)``) the old ``<Dial>``'s
  ``action`` is still requested but its TwiML ignored, then the new instructions run
  under the same CallSid (§4).

What fails is journalled in :class:`~.alerts.Alerts` and ends the call: 11200 (the
URL did not answer 2xx), 12100/12200 (not TwiML), a verb the fake does not implement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from ..core.call_store import Call
from ..core.errors import FakeconfError, TwilioError, http_retrieval_failure
from ..core.events import Event
from ..core.participant_store import Participant
from ..formats import API_VERSION
from . import twiml
from .alerts import NOT_TWILIO, Alerts
from .dial_in import conference_dial

if TYPE_CHECKING:
    from ..core.backend import Backend
    from .delivery import Router

# Documents one call may fetch in a row (<Redirect>s and actions) before the fake
# ends it. A GUESS registered in the README: Twilio documents no voice limit (§3.7);
# messaging stops at 50 (14106), and the fake stops there too rather than hang.
MAX_DOCUMENTS = 50

Pairs = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Heard:
    """What a ``<Say>``, ``<Play>`` or ``<Pause>`` played to the caller."""

    verb: str  # "Say" | "Play" | "Pause"
    text: str  # the words, the media URL, or the seconds of silence
    loop: int = 1


@dataclass(slots=True)
class Session:
    """One call's TwiML in execution."""

    call: Call
    instructions: tuple[str | None, str, str | None]  # (url, method, twiml) it runs
    url: str | None = None  # the current document's URL (None: inline Twiml)
    verbs: list[twiml.Verb] = field(default_factory=list)
    position: int = 0
    documents: int = 0
    dial: twiml.Dial | None = None  # the <Dial><Conference> the call waits in
    dial_url: str | None = None
    participant: Participant | None = None
    joined: list[Participant] = field(default_factory=list)


class VoiceRunner:
    """Runs the TwiML of every TwiML-driven call of one fake."""

    def __init__(self, backend: Backend, router: Router, alerts: Alerts) -> None:
        self._backend = backend
        self._router = router
        self._alerts = alerts
        self._sessions: dict[str, Session] = {}
        self._heard: dict[str, list[Heard]] = {}
        self._done: dict[str, Session] = {}
        backend.events.subscribe(self.on_event)

    # -- what tests read ------------------------------------------------------
    def heard(self, call_sid: str) -> list[Heard]:
        return list(self._heard.get(call_sid, ()))

    def joined(self, call_sid: str) -> list[Participant]:
        """The participants the call's TwiML made it, oldest first."""
        session = self._sessions.get(call_sid) or self._done.get(call_sid)
        return list(session.joined) if session else []

    # -- events ---------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        kind = event.kind
        if kind == "call-answered" or kind == "call-redirected":
            call = event.data.get("call")
            if not isinstance(call, Call) or not call.twiml_driven or not call.live:
                return
            if kind == "call-answered" and call.sid in self._sessions:
                return  # an inbound call answered by its own TwiML, already running
            self.start(call)
        elif kind == "participant-leave":
            session = self._sessions.get(str(event.data.get("call_sid")))
            if session is not None and session.participant is event.data.get("participant"):
                self._left(session, event)
        elif kind == "call-completed":
            call = event.data.get("call")
            if isinstance(call, Call):
                self._retire(call.sid)

    def start(self, call: Call) -> None:
        """Run the call's instructions now (``Url`` fetched, or ``Twiml``), from the top."""
        session = Session(call, (call.url, call.method, call.twiml))
        self._sessions[call.sid] = session
        if call.url is not None:
            # An inbound call's first request says "ringing" (§1.3; the fake answered it
            # already, so <Say> first needs no answering step).
            first = "ringing" if call.direction == "inbound" and not call.conference_sid else None
            if not self._fetch(session, call.url, call.method, status=first):
                return
        else:
            if not self._load(session, call.twiml or "", None):
                return
        self._run(session)

    def _left(self, session: Session, event: Event) -> None:
        """The call left the conference of its ``<Dial>``: the Dial is over (§3.6)."""
        call, dial = session.call, session.dial
        session.participant, session.dial = None, None
        if not call.live or dial is None:
            self._retire(call.sid)  # hung up: later verbs do not run (§3.6; action: a guess)
            return
        redirected = bool(event.data.get("redirected")) or self._redirect_follows(event, call)
        if dial.action is not None:
            url = urljoin(session.dial_url or "", dial.action)
            extra = [("DialCallStatus", "answered")]  # §3.3: no DialCallSid/-Duration
            if redirected:
                # §4: "Twilio will not execute any TwiML returned"
                self._router.send("voice", url, dial.method, self._params(call, None, extra))
                return
            if self._fetch(session, url, dial.method, extra=extra):
                self._run(session)
            return
        if not redirected:
            self._run(session)  # the next verb, or the end of the document

    def _redirect_follows(self, event: Event, call: Call) -> bool:
        """Whether this leave is part of a redirect: its ``call-redirected`` is logged after it."""
        for later in self._backend.events.since(event):
            if later.kind == "call-redirected" and later.data.get("call") is call:
                return True
        return False

    # -- documents ------------------------------------------------------------
    def _fetch(
        self,
        session: Session,
        url: str,
        method: str,
        *,
        status: str | None = None,
        extra: Iterable[tuple[str, str]] = (),
    ) -> bool:
        """Request ``url`` and load its TwiML; False (alert, call ended) if that fails."""
        if not self._count(session, url):
            return False
        delivery = self._router.send(
            "voice", url, method, self._params(session.call, status, extra)
        )
        if not delivery.ok:
            why = delivery.error.splitlines()[-1] if delivery.error else delivery.status_code
            self._fail(session, http_retrieval_failure(url, why), url)
            return False
        if self._superseded(session):
            return False
        return self._load(session, delivery.response_body, url, counted=True)

    def _load(
        self, session: Session, document: bytes | str, url: str | None, *, counted: bool = False
    ) -> bool:
        if not counted and not self._count(session, url):
            return False
        try:
            verbs = twiml.parse(document)
        except TwilioError as error:
            self._fail(session, error, url)
            return False
        session.url, session.verbs, session.position = url, verbs, 0
        return True

    def _count(self, session: Session, url: str | None) -> bool:
        session.documents += 1
        if session.documents <= MAX_DOCUMENTS:
            return True
        message = (
            f"pytest-fakeconf ended the call after {MAX_DOCUMENTS} TwiML documents in a row "
            f"(a <Redirect> or action loop?); last URL {url}"
        )
        self._alerts.add(
            NOT_TWILIO, message, url=url, call_sid=session.call.sid, error=FakeconfError(message)
        )
        self._end(session)
        return False

    def _params(self, call: Call, status: str | None, extra: Iterable[tuple[str, str]]) -> Pairs:
        """The voice-webhook parameters of §2.1, and the verb's own ``extra``."""
        pairs: Pairs = [
            ("AccountSid", call.account_sid),
            ("ApiVersion", API_VERSION),
            ("CallSid", call.sid),
            ("CallStatus", status or call.status),
            ("Called", call.to),
            ("Caller", call.from_),
            ("Direction", call.direction),
            ("From", call.from_),
            ("To", call.to),
        ]
        if call.parent_call_sid:
            pairs.append(("ParentCallSid", call.parent_call_sid))
        if call.answered_by:
            pairs.append(("AnsweredBy", call.answered_by))
        pairs.extend(extra)
        return pairs

    # -- verbs ----------------------------------------------------------------
    def _run(self, session: Session) -> None:
        call = session.call
        heard = self._heard.setdefault(call.sid, [])
        while call.live and not self._superseded(session):
            if session.position >= len(session.verbs):
                self._end(session)  # "If there is no further verb, Twilio will end the call"
                return
            verb = session.verbs[session.position]
            session.position += 1
            if isinstance(verb, twiml.Say):
                heard.append(Heard("Say", verb.text, verb.loop))
            elif isinstance(verb, twiml.Play):
                heard.append(Heard("Play", verb.url, verb.loop))
            elif isinstance(verb, twiml.Pause):
                heard.append(Heard("Pause", str(verb.length)))
            elif isinstance(verb, twiml.Redirect):
                base = session.url or ""
                url = urljoin(base, verb.url) if verb.url else base
                if not url:
                    self._fail_message(session, "<Redirect> needs a URL in inline Twiml", None)
                    return
                if not self._fetch(session, url, verb.method):
                    return
            elif (
                isinstance(verb, twiml.Reject) and session.documents == 1 and session.position == 1
            ):
                # §1.3: <Reject> first leaves the call unanswered, "busy" or "no-answer"
                # by its reason (mapping UNVERIFIED); anywhere else it ends it like <Hangup>.
                self._retire(call.sid)
                self._backend.calls.reject(call, "busy" if verb.reason == "busy" else "no-answer")
                return
            elif isinstance(verb, (twiml.Hangup, twiml.Reject)):
                self._end(session)
                return
            elif isinstance(verb, twiml.Dial):
                if verb.conference is None:
                    what = "".join(f"<{n}>" for n in verb.nouns) or "<Dial> without a noun"
                    self._unsupported(session, f"Dial{what}")
                    return
                if self._join(session, verb):
                    return  # in the conference until it leaves (see _left)
            else:
                self._unsupported(session, verb.verb)
                return

    def _join(self, session: Session, verb: twiml.Dial) -> bool:
        assert verb.conference is not None
        call = session.call
        url = session.url or ""
        try:
            participant = conference_dial(
                self._backend, call.account_sid, call.sid, call.from_, call.to, url, verb.conference
            )
        except TwilioError as error:
            # §3.6: a call that cannot join "continue[s] to the next TwiML verb" (16025);
            # the fake does so for every refusal (a guess for the others).
            self._alerts.error(error, url=session.url, call_sid=call.sid)
            return False
        session.participant, session.dial, session.dial_url = participant, verb, session.url
        session.joined.append(participant)
        return participant.live

    # -- endings --------------------------------------------------------------
    def _unsupported(self, session: Session, verb: str) -> None:
        self._fail_message(session, f"pytest-fakeconf does not implement <{verb}>", session.url)

    def _fail_message(self, session: Session, message: str, url: str | None) -> None:
        self._alerts.add(NOT_TWILIO, message, url=url, call_sid=session.call.sid)
        self._end(session)

    def _fail(self, session: Session, error: TwilioError, url: str | None) -> None:
        self._alerts.error(error, url=url, call_sid=session.call.sid)
        self._end(session)

    def _end(self, session: Session) -> None:
        call = session.call
        self._retire(call.sid)
        if call.live:
            self._backend.calls.hang_up(call)

    def _retire(self, call_sid: str) -> None:
        session = self._sessions.pop(call_sid, None)
        if session is not None:
            self._done[call_sid] = session

    def _superseded(self, session: Session) -> bool:
        """The call was redirected while its TwiML ran (the app called the API back):
        the new instructions take over (their ``call-redirected`` starts them)."""
        call = session.call
        return self._sessions.get(call.sid) is not session or session.instructions != (
            call.url,
            call.method,
            call.twiml,
        )
