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
* ``<Gather>`` (§3.4) plays its prompts and waits, the call ``in-progress``, until the
  test answers (:meth:`VoiceRunner.press` / :meth:`VoiceRunner.say`, the answers given
  to ``dial_in``) or its ``timeout`` passes on the fake's clock (a scheduled action):
  input goes to ``action`` (default: the current document) with ``Digits`` +
  ``FinishedOnKey`` or ``SpeechResult`` + ``Confidence``; no input falls through to
  the next verb unless ``actionOnEmptyResult``;
* ``<Dial><Number|Client|Sip>`` (§3.3) rings child calls (``outbound-dial``, their
  ``parent_call_sid`` the dialling call) and bridges the first that answers; when the
  bridge ends (either leg hangs up, ``timeLimit``) or nobody answers, ``action`` is
  requested with ``DialCallStatus``, ``DialCallSid`` and ``DialCallDuration``, or the
  next verb runs;
* on ``call-redirected`` (``calls(sid).update(url=…|twiml=…)``) the old ``<Dial>``'s
  ``action`` is still requested but its TwiML ignored, then the new instructions run
  under the same CallSid (§4).

What each call ran is its :class:`LogEntry` list (:meth:`VoiceRunner.log`,
``CallHandle.log``).

What fails is journalled in :class:`~.alerts.Alerts` and ends the call: 11200 (the
URL did not answer 2xx), 12100/12200 (not TwiML), a verb the fake does not implement.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from ..core.call_store import Call
from ..core.errors import FakeconfError, TwilioError, http_retrieval_failure
from ..core.events import Event
from ..core.participant_store import Participant
from ..core.schedule import Scheduled
from ..formats import API_VERSION
from . import twiml
from .alerts import NOT_TWILIO, Alerts
from .call_logs import CallLogs
from .dial_in import conference_dial

if TYPE_CHECKING:
    from ..core.backend import Backend
    from .delivery import Router

# Documents one call may fetch in a row (<Redirect>s and actions) before the fake
# ends it. A GUESS (FIDELITY: F61): Twilio documents no voice limit (§3.7);
# messaging stops at 50 (14106), and the fake stops there too rather than hang.
MAX_DOCUMENTS = 50

# Entries one call's log keeps, its newest, when the fake's journals are bounded (server
# mode): a call held in a conference for days hears an announcement per conference
# update, and its log would grow without end. In-process (journals unbounded by
# default) a call's log keeps every entry.
CALL_LOG_SIZE = 1000

Pairs = list[tuple[str, str]]


LogSource = Literal["call", "announcement", "wait", "hold"]
_DIGITS = re.compile(r"[0-9*#]+", re.ASCII)
_DIALLED = {"Number", "Client", "Sip", "number"}  # the <Dial> nouns the runner rings
# Confidence sent with a SpeechResult when the test gives none: a GUESS (§3.4 only
# says "0.0 to 1.0, may be absent").
DEFAULT_CONFIDENCE = 0.9


# The REST API's label codes (16026 in use, 16024 invalid) and their TwiML twins.
TWIML_LABEL_ERRORS: dict[int, tuple[int, str]] = {
    16026: (
        16025,
        "Participant label is in use by another participant: the call was not added into "
        "the conference and continues to the next TwiML verb",
    ),
    16024: (
        16023,
        "Invalid participantLabel: the call was not added into the conference and "
        "continues to the next TwiML verb",
    ),
}


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One verb a call ran, as the caller met it (``CallHandle.log``).

    ``verb``: ``Say``, ``Play``, ``Pause``, ``Gather``, ``Dial``, ``Redirect``,
    ``Hangup`` or ``Reject``. ``text``: the words said, the media URL played, the
    seconds of silence, what a ``Gather`` listened for (``dtmf``, ``speech``), who a
    ``Dial`` rang (numbers, or the conference's name), the URL of a ``Redirect``.
    ``answer``: what the caller answered a ``Gather`` (digits or speech; None: no
    input), or a ``Dial``'s ``DialCallStatus``. ``loop``: how many times a ``Say`` or
    ``Play`` was repeated (its ``loop`` attribute). ``source``: ``call`` (its own TwiML),
    or ``announcement``, ``wait``, ``hold`` (conference TwiML played to it)."""

    verb: str
    text: str = ""
    answer: str | None = None
    loop: int = 1
    source: LogSource = "call"


Heard = LogEntry  # the name of the first release's Say/Play/Pause journal entries
HEARD = ("Say", "Play", "Pause")


@dataclass(slots=True, eq=False)
class Waiting:
    """A ``<Gather>`` waiting for the caller: the verb, its action URL, its log entry."""

    verb: twiml.Gather
    url: str
    entry: int
    timeout: Scheduled | None = None


@dataclass(slots=True, eq=False)
class Bridge:
    """A ``<Dial>`` ringing or bridged to child calls."""

    verb: twiml.Dial
    url: str | None
    entry: int
    children: list[Call] = field(default_factory=list)
    answered: Call | None = None


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
    dial_entry: int = -1  # the log entry of the <Dial><Conference>
    gather: Waiting | None = None  # the <Gather> it waits in
    answers: deque[str] = field(default_factory=deque)  # dial_in's answers, in order


class VoiceRunner:
    """Runs the TwiML of every TwiML-driven call of one fake."""

    def __init__(self, backend: Backend, router: Router, alerts: Alerts) -> None:
        self._backend = backend
        self._router = router
        self._alerts = alerts
        self._sessions: dict[str, Session] = {}
        self._log: CallLogs[LogEntry] = CallLogs()
        # Ended calls, oldest first: only whom each joined (a session holds much more).
        self._done: dict[str, tuple[Participant, ...]] = {}  # insertion order: oldest first
        self._ended_kept: int | None = None  # ended calls whose session and log are kept
        self._children: dict[str, tuple[Session, Bridge]] = {}  # child call SID ->
        self._scripted: tuple[str, str, list[str]] | None = None  # dial_in's answers
        backend.events.subscribe(self.on_event)

    # -- what tests read ------------------------------------------------------
    def log(self, call_sid: str) -> list[LogEntry]:
        """What the call ran, in order (see :class:`LogEntry`)."""
        return self._log.entries(call_sid)

    def heard(self, call_sid: str) -> list[LogEntry]:
        """The ``<Say>``, ``<Play>`` and ``<Pause>`` of the call's own TwiML."""
        return [e for e in self._log.entries(call_sid) if e.verb in HEARD and e.source == "call"]

    def record(self, call_sid: str, entry: LogEntry) -> int:
        """Add ``entry`` to the call's log; its position there (see :meth:`_answered`)."""
        return self._log.add(call_sid, entry)

    def _answered(self, call_sid: str, position: int, answer: str | None) -> None:
        """Set the ``answer`` of the call's log entry at ``position`` (a ``Gather`` or a
        ``Dial``), unless the log has dropped it (a bounded log keeps the newest)."""
        self._log.amend(call_sid, position, lambda entry: replace(entry, answer=answer))

    def waiting(self, call_sid: str) -> twiml.Gather | None:
        """The ``<Gather>`` the call waits in, if it does."""
        session = self._sessions.get(call_sid)
        return session.gather.verb if session is not None and session.gather else None

    def script(self, to: str, from_: str, answers: Sequence[str]) -> None:
        """The next inbound call from ``from_`` to ``to`` answers its gathers with
        ``answers``, in order (``dial_in(digits=…)``); cleared by :meth:`unscript`."""
        self._scripted = (to, from_, list(answers))

    def unscript(self) -> None:
        self._scripted = None

    # -- the caller answers a <Gather> ------------------------------------------
    def press(self, call: Call, digits: str) -> None:
        """The caller presses ``digits`` (``0-9``, ``*``, ``#``) in the ``<Gather>`` it
        waits in, then stops: the gather ends with them (the keys up to
        ``finishOnKey``, at most ``numDigits``; ValueError if the call is not
        waiting in a ``<Gather>`` that takes ``dtmf``)."""
        if not isinstance(digits, str) or not _DIGITS.fullmatch(digits):
            raise ValueError(f"digits must be one or more of 0-9, * and #, got {digits!r}")
        self._answer(call, digits, "dtmf")

    def say(self, call: Call, speech: str, confidence: float = DEFAULT_CONFIDENCE) -> None:
        """The caller says ``speech`` in the ``<Gather>`` it waits in (``input``
        ``speech``): the gather ends with ``SpeechResult`` and ``Confidence``."""
        if not isinstance(speech, str) or not speech.strip():
            raise ValueError(f"speech must be a non-empty string, got {speech!r}")
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"confidence must be between 0.0 and 1.0, got {confidence!r}")
        self._answer(call, speech, "speech", confidence)

    def _answer(self, call: Call, answer: str, kind: str, confidence: float = 0.0) -> None:
        session = self._sessions.get(call.sid)
        waiting = session.gather if session is not None else None
        if session is None or waiting is None or not call.live:
            raise ValueError(
                f"call {call.sid} is not waiting in a <Gather> (it is {call.status}); "
                f"see CallHandle.log for what it ran"
            )
        if kind not in waiting.verb.input:
            raise ValueError(
                f"the <Gather> call {call.sid} waits in takes {' '.join(waiting.verb.input)}, "
                f"not {kind}"
            )
        result = _result(waiting.verb, answer, kind, confidence)

        # The gather ends as an action of the core's schedule, due now: it runs inside
        # the core's event batch like every operation (its events heard after it).
        def end(at: _dt.datetime) -> None:
            ready = session.gather is waiting and self._current(session)
            if ready and self._end_gather(session, result):
                self._run(session)

        now, _ = self._backend.moment(None)
        self._backend.scheduler.at(now, f"{kind} {call.sid}", end)
        self._backend.catch_up()

    def joined(self, call_sid: str) -> list[Participant]:
        """The participants the call's TwiML made it, oldest first."""
        session = self._sessions.get(call_sid)
        return list(session.joined if session else self._done.get(call_sid, ()))

    # -- events ---------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        kind = event.kind
        if kind == "call-answered" or kind == "call-redirected":
            call = event.data["call"]
            assert isinstance(call, Call)  # a call's events carry it
            if kind == "call-answered" and call.sid in self._children:
                self._child_answered(call, event.at)
            # Not again for a call whose TwiML runs already (answered by its own TwiML).
            running = kind == "call-answered" and call.sid in self._sessions
            if not call.twiml_driven or not call.live or running:
                return
            if kind == "call-redirected":
                self._interrupted(call)
            self.start(call)
        elif kind == "participant-leave":
            session = self._sessions.get(str(event.data.get("call_sid")))
            if session is not None and session.participant is event.data.get("participant"):
                self._left(session, event)
        elif kind == "call-completed":
            call = event.data["call"]
            assert isinstance(call, Call)
            if call.sid in self._children:
                self._child_ended(call)
            session = self._sessions.get(call.sid)
            if session is not None:
                self._stop_gather(session)
            self._retire(call.sid)

    def start(self, call: Call) -> None:
        """Run the call's instructions now (``Url`` fetched, or ``Twiml``), from the top."""
        session = Session(call, (call.url, call.method, call.twiml))
        scripted = self._scripted
        if (
            scripted is not None
            and call.direction == "inbound"
            and scripted[:2]
            == (
                call.to,
                call.from_,
            )
        ):
            session.answers.extend(scripted[2])
            self._scripted = None
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
        assert dial is not None  # set with the participant whose leave this is (_join)
        session.participant, session.dial = None, None
        # The Dial's entry: a live session's log is never forgotten (keep_ended forgets
        # ended calls' logs only), though a bounded one may have dropped that entry.
        self._answered(call.sid, session.dial_entry, "answered")
        if not call.live:
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
        """Whether this leave is part of a redirect: its ``call-redirected`` is logged
        after it. Besides a redirect of the call in the conference (its leave says
        ``redirected``), the app may redirect the call from the conference's
        ``participant-leave`` status callback, which is delivered before the runner
        hears the leave: the Dial's action is then requested, its answer ignored."""
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
        if not counted:
            session.documents += 1  # the first document of the session: within the limit
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

    def params(self, call: Call, extra: Iterable[tuple[str, str]] = ()) -> Pairs:
        """The voice-webhook parameters of ``call`` now (§2.1), and ``extra``."""
        return self._params(call, None, extra)

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
        if call.webhook_answered_by:  # synchronous machine detection (calls ref §5)
            pairs.append(("AnsweredBy", call.webhook_answered_by))
        pairs.extend(extra)
        return pairs

    # -- verbs ----------------------------------------------------------------
    def _run(self, session: Session) -> None:
        call = session.call
        while call.live and not self._superseded(session):
            if session.position >= len(session.verbs):
                self._end(session)  # "If there is no further verb, Twilio will end the call"
                return
            verb = session.verbs[session.position]
            session.position += 1
            if isinstance(verb, (twiml.Say, twiml.Play, twiml.Pause)):
                self.record(call.sid, heard_entry(verb))
            elif isinstance(verb, twiml.Redirect):
                base = session.url or ""
                url = urljoin(base, verb.url) if verb.url else base
                self.record(call.sid, LogEntry("Redirect", url))
                if not url:
                    self._fail_message(session, "<Redirect> needs a URL in inline Twiml", None)
                    return
                if not self._fetch(session, url, verb.method):
                    return
            elif isinstance(verb, twiml.Gather):
                if not self._gather(session, verb):
                    return  # waiting for the caller, or the call ended
            elif (
                isinstance(verb, twiml.Reject) and session.documents == 1 and session.position == 1
            ):
                # §1.3: <Reject> first leaves the call unanswered, "busy" or "no-answer"
                # by its reason (mapping UNVERIFIED); anywhere else it ends it like <Hangup>.
                self.record(call.sid, LogEntry("Reject", verb.reason))
                self._retire(call.sid)
                self._backend.calls.reject(call, "busy" if verb.reason == "busy" else "no-answer")
                return
            elif isinstance(verb, (twiml.Hangup, twiml.Reject)):
                self.record(call.sid, LogEntry(type(verb).__name__))
                self._end(session)
                return
            elif isinstance(verb, twiml.Dial):
                if verb.conference is None and verb.targets and set(verb.nouns) <= _DIALLED:
                    self._dial_out(session, verb)
                    return  # ringing, then bridged, until the bridge ends (see _child_ended)
                if verb.conference is None:
                    what = "".join(f"<{n}>" for n in verb.nouns) or "<Dial> without a noun"
                    self._unsupported(session, f"Dial{what}")
                    return
                session.dial_entry = self.record(call.sid, LogEntry("Dial", verb.conference.name))
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
            # the fake does so for every refusal (a guess for the others; FIDELITY: F60).
            label_problem = TWIML_LABEL_ERRORS.get(error.code)
            if label_problem is not None:
                # TwiML <Conference participantLabel> docs: a duplicate (16025) or invalid
                # (16023) label is logged as an error and the call is "not added into the
                # conference and instead continue[s] to the next TwiML verb": an alert
                # without a raised error, so dial_in returns None rather than raising.
                code, message = label_problem
                self._alerts.add(code, message, url=session.url, call_sid=call.sid)
                return False
            self._alerts.error(error, url=session.url, call_sid=call.sid)
            return False
        session.participant, session.dial, session.dial_url = participant, verb, session.url
        session.joined.append(participant)
        return participant.live

    # -- <Gather> --------------------------------------------------------------
    def _gather(self, session: Session, verb: twiml.Gather) -> bool:
        """Play the prompts and wait for the caller; True when the TwiML goes on now
        (an answer ``dial_in`` gave, and its action fetched, or no input)."""
        call = session.call
        for prompt in verb.prompts:
            self.record(call.sid, heard_entry(prompt))
        # §3.4: "action: current document URL"; §3.1: with inline Twiml it "must be
        # absolute" (a relative or missing one ends the call with an alert: a GUESS).
        base = session.url or ""
        url = urljoin(base, verb.action) if verb.action else base
        if urlsplit(url).scheme not in ("http", "https"):
            self._fail_message(
                session, "<Gather> in inline Twiml needs an absolute action URL", None
            )
            return False
        entry = self.record(call.sid, LogEntry("Gather", " ".join(verb.input)))
        waiting = Waiting(verb, url, entry)
        session.gather = waiting
        if session.answers:
            answer = session.answers.popleft()
            kind = "dtmf" if "dtmf" in verb.input and _DIGITS.fullmatch(answer) else "speech"
            if kind not in verb.input:
                self._alerts.add(
                    NOT_TWILIO,
                    f"dial_in answer {answer!r} does not fit <Gather input="
                    f"{' '.join(verb.input)}> (digits are 0-9, * and #): no input",
                    url=session.url,
                    call_sid=call.sid,
                    level="warning",
                )
                return self._end_gather(session, None)
            result = _result(verb, answer, kind, DEFAULT_CONFIDENCE)
            return self._end_gather(session, result)
        # §3.4 "timeout 5 s: starts after nested <Say>/<Play> finish" (they take no
        # time here); it runs on the fake's clock: the schedule ends the gather.
        now, _ = self._backend.moment(None)

        def timed_out(at: _dt.datetime) -> None:
            ready = session.gather is waiting and self._current(session)
            if ready and self._end_gather(session, None):
                self._run(session)

        # Memory only (no ``kind``): it resumes a running TwiML document, which a
        # restart of a durable server (``--data``) does not restore.
        waiting.timeout = self._backend.scheduler.at(
            now + _dt.timedelta(seconds=verb.timeout), f"gather timeout {call.sid}", timed_out
        )
        return False

    def _end_gather(self, session: Session, result: Pairs | None) -> bool:
        """The gather is over with ``result`` (None: no input); True when the TwiML
        goes on (the action's document loaded, or the next verb)."""
        waiting = session.gather
        assert waiting is not None
        self._stop_gather(session)
        answer = None if result is None else result[0][1]
        self._answered(session.call.sid, waiting.entry, answer)
        if result is None and not waiting.verb.action_on_empty_result:
            return True  # "falls to the next verb"
        # No input with actionOnEmptyResult: no Digits/SpeechResult (a GUESS, FIDELITY: F65).
        return self._fetch(session, waiting.url, waiting.verb.method, extra=result or ())

    def _stop_gather(self, session: Session) -> None:
        waiting, session.gather = session.gather, None
        if waiting is not None and waiting.timeout is not None:
            waiting.timeout.cancel()

    # -- <Dial><Number|Client|Sip> ------------------------------------------------
    def _dial_out(self, session: Session, verb: twiml.Dial) -> None:
        """Ring a child call per target (``calls.dial``: §1.3 "initiated right away and
        never queued"), one after the other while none has answered: the first that
        answers is bridged and the others still ringing are canceled (a GUESS at
        Twilio's simultaneous ringing of up to 10 nouns)."""
        call = session.call
        calls = self._backend.calls
        entry = self.record(call.sid, LogEntry("Dial", ", ".join(t.to for t in verb.targets)))
        bridge = Bridge(verb, session.url, entry)
        # The children's events are heard after this loop (the runner is a listener:
        # what it causes is heard once it returns), so a child's end cannot interleave;
        # only one answered at once stops it.
        for target in verb.targets:
            if bridge.answered is not None:
                break
            if target.url is not None:
                self._alerts.add(
                    NOT_TWILIO,
                    f"pytest-fakeconf does not run the <{target.noun} url> whisper "
                    f"({target.url}); the call is bridged without it",
                    url=session.url,
                    call_sid=call.sid,
                    level="warning",
                )
            child = calls.dial(
                call,
                to=target.to,
                from_=verb.caller_id or call.from_,
                timeout=verb.timeout,
                time_limit=verb.time_limit,
            )
            self._children[child.sid] = (session, bridge)
            bridge.children.append(child)
            if child.status == "in-progress":
                self._child_answered(child, child.start_time or child.date_updated)

    def _child_answered(self, child: Call, at: _dt.datetime) -> None:
        _, bridge = self._children[child.sid]
        if bridge.answered is not None:
            return
        bridge.answered = child
        for other in bridge.children:
            if other is not child and other.live:
                self._backend.calls.cancel(other)  # ringing: canceled

    def _child_ended(self, child: Call) -> None:
        """A child call ended: the bridge is over if it was the bridged one, or if
        nobody answered and no other child still rings (§3.3 ``DialCallStatus``).

        A child is in ``_children`` until its bridge closes, so the bridge is open here.
        The core ends a parent's children before it ends or redirects the parent
        (``Calls.finish`` / ``Calls.redirect``), so the bridge always closes here,
        before the parent's own ``call-completed`` or ``call-redirected`` is heard."""
        session, bridge = self._children[child.sid]
        if bridge.answered is not None and bridge.answered is not child:
            return
        if bridge.answered is None and any(c.live for c in bridge.children):
            return
        status = "completed" if bridge.answered is child else child.status
        for done in bridge.children:
            self._children.pop(done.sid, None)
        call = session.call
        self._answered(call.sid, bridge.entry, status)
        if not call.live or self._sessions.get(call.sid) is not session:
            return  # the caller hung up: nothing more runs (§3.6; the action: a guess)
        verb = bridge.verb
        extra = _dial_result(bridge, child, status)
        if self._superseded(session):
            # Redirected (§4): the action is requested, "Twilio will not execute any TwiML"
            if verb.action is not None:
                url = urljoin(bridge.url or "", verb.action)
                self._router.send("voice", url, verb.method, self._params(call, None, extra))
            return
        if verb.action is None:
            self._run(session)  # §3.1: the next verb, or the end of the document
            return
        if self._fetch(session, urljoin(bridge.url or "", verb.action), verb.method, extra=extra):
            self._run(session)

    def _interrupted(self, call: Call) -> None:
        """The call was redirected (§4): a ``<Gather>`` it waited in is abandoned. (A
        ``<Dial><Number>`` it was in is over already: the core ended its children
        first, and their ends requested the action, its TwiML ignored, see
        :meth:`_child_ended`.)"""
        session = self._sessions.get(call.sid)
        if session is not None:
            self._stop_gather(session)

    def _current(self, session: Session) -> bool:
        return self._sessions.get(session.call.sid) is session and session.call.live

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
        self._stop_gather(session)
        self._retire(call.sid)
        if call.live:
            self._backend.calls.hang_up(call)

    def _retire(self, call_sid: str) -> None:
        session = self._sessions.pop(call_sid, None)
        if session is not None:
            self._done.pop(call_sid, None)  # ended again (redirected): now the newest
            self._done[call_sid] = tuple(session.joined)
            self._forget_ended()

    def keep_ended(self, size: int | None) -> None:
        """Keep the session and log of the newest ``size`` ended calls (None: all), and
        in each call's log its newest ``size`` entries, at most :data:`CALL_LOG_SIZE`
        (None: all); the fake's ``journal_size``, so a long-running server forgets the
        oldest calls' logs and a call held open for days keeps a log of bounded size."""
        self._ended_kept = size
        self._log.resize(None if size is None else min(size, CALL_LOG_SIZE))
        self._forget_ended()

    def _forget_ended(self) -> None:
        size = self._ended_kept
        while size is not None and len(self._done) > size:
            gone = next(iter(self._done))
            del self._done[gone]
            self._log.forget(gone)

    def _superseded(self, session: Session) -> bool:
        """The call was redirected while its TwiML ran (the app called the API back):
        the new instructions take over (their ``call-redirected`` starts them)."""
        call = session.call
        return self._sessions.get(call.sid) is not session or session.instructions != (
            call.url,
            call.method,
            call.twiml,
        )


def heard_entry(verb: twiml.Say | twiml.Play | twiml.Pause, source: LogSource = "call") -> LogEntry:
    """The log entry of a ``<Say>``, ``<Play>`` or ``<Pause>``."""
    if isinstance(verb, twiml.Say):
        return LogEntry("Say", verb.text, loop=verb.loop, source=source)
    if isinstance(verb, twiml.Play):
        return LogEntry("Play", verb.url, loop=verb.loop, source=source)
    return LogEntry("Pause", str(verb.length), source=source)


def _result(verb: twiml.Gather, answer: str, kind: str, confidence: float) -> Pairs | None:
    """The action parameters of a gather's input (§3.4), None for no input."""
    if kind == "speech":
        return [("SpeechResult", answer), ("Confidence", str(round(confidence, 8)))]
    collected, finished = "", ""
    for key in answer:
        if verb.finish_on_key and key == verb.finish_on_key:
            finished = key  # "The key is not included in Digits"
            break
        collected += key
        if verb.num_digits is not None and len(collected) >= verb.num_digits:
            break  # "submit as soon as N digits are collected"; later keys are lost
    if not collected:
        return None  # "#" pressed first "counts as no input"
    # FinishedOnKey: in captured requests, not in today's doc (§3.4 UNVERIFIED); "" when
    # the gather ended without the key.
    return [("Digits", collected), ("FinishedOnKey", finished)]


def _dial_result(bridge: Bridge, child: Call, status: str) -> Pairs:
    """§3.3 action parameters of a ``<Dial>`` to numbers, clients or SIP addresses."""
    pairs: Pairs = [("DialCallStatus", status), ("DialCallSid", child.sid)]
    if bridge.answered is not None:
        pairs.append(("DialCallDuration", str(bridge.answered.duration or 0)))
    pairs.append(("DialBridged", "true" if bridge.answered is not None else "false"))
    return pairs
