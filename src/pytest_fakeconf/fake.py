"""``FakeTwilio``: the object the ``fakeconf`` fixture yields.

It owns one backend (the state), the api layer that answers HTTP for it, the
journal of answered requests, and the ``responses`` transport that intercepts
the application's calls while it is started.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Any, TypeVar, cast

import responses

from .api import Api, ApiRequest, ApiResponse
from .api.faults import ONCE, Fault, FaultError, Faults
from .core.accounts import ApiKey
from .core.backend import Backend
from .core.bounded import BoundedLog, JournalCount, check_size
from .core.clock import UTC, Clock
from .core.conference_store import CONFERENCE_LIST_DEFAULTS, ConferenceListDefault
from .core.errors import internal_error, not_found
from .core.events import Event
from .core.schedule import Scheduled
from .core.sids import SidSource
from .core.vocabulary import AnsweredBy, CallOutcome, ConferenceStatus, Region, one_of
from .handles import CallHandle, ConferenceHandle, ParticipantHandle
from .history import generate_history
from .journal import RecordedRequest
from .transports.aiohttp_mock import AiohttpTransport
from .transports.responses_mock import ResponsesTransport
from .webhooks.alerts import Alert, Alerts
from .webhooks.announce import ConferenceTwiml
from .webhooks.asgi import AsgiApp, asgi_receiver, is_asgi
from .webhooks.callbacks import StatusCallbacks
from .webhooks.delivery import Router, WebhookDelivery, WsgiApp, http_receiver, wsgi_receiver
from .webhooks.dial_in import dial_in
from .webhooks.voice import VoiceRunner

F = TypeVar("F", bound=Callable[..., Any])


class FakeTwilio:
    """An in-memory fake of Twilio's Conference API for one test.

    ``seed`` makes every SID (and the default credentials) reproducible;
    ``account_sid`` and ``auth_token`` fix the credentials the app must use.
    ``conference_list_default`` is what a conference list without ``Status`` returns:
    ``"in-progress"`` (Twilio's default from its 2026-09-30 rollout) or ``"all"`` (every
    status, as accounts the rollout has not reached). ``recording_processing`` is how
    long a stopped conference recording stays ``processing`` before it is ``completed``
    (or ``absent``); zero (the default) completes it at once. ``journal_size`` bounds
    each journal (:attr:`requests`, :attr:`webhooks`, :attr:`events`, :attr:`alerts`)
    to its newest entries; None (the default) keeps every one (see :attr:`journal_size`).
    ``started``: whether it intercepts requests now (between :meth:`start` and
    :meth:`stop`). ``crashes``: the unexpected exceptions inside the fake, with their
    tracebacks (the fixture fails the test on them at teardown).
    """

    def __init__(
        self,
        *,
        seed: int | str = 0,
        account_sid: str | None = None,
        auth_token: str | None = None,
        conference_list_default: ConferenceListDefault = "in-progress",
        recording_processing: _dt.timedelta = _dt.timedelta(0),
        journal_size: int | None = None,
    ) -> None:
        self.seed = seed
        self._journal_size = check_size(journal_size)
        self._given_credentials = (account_sid, auth_token)
        one_of("conference_list_default", conference_list_default, CONFERENCE_LIST_DEFAULTS)
        if not isinstance(recording_processing, _dt.timedelta) or recording_processing < (
            _dt.timedelta(0)
        ):
            raise ValueError(
                f"recording_processing must be a timedelta >= 0, got {recording_processing!r}"
            )
        self._options = (conference_list_default, recording_processing)
        self.crashes: list[str] = []
        # What a delivery to the app runs inside (server mode: its request lock released).
        self._outside: Callable[[], AbstractContextManager[object]] = nullcontext
        self._transport = ResponsesTransport(self.answer)
        self._async_transport = AiohttpTransport(self.answer)
        self._build(account_sid, auth_token)

    def _build(self, account_sid: str | None, auth_token: str | None) -> None:
        self._backend = Backend(SidSource(self.seed))
        self._backend.conferences.list_default = self._options[0]
        self._backend.recordings.processing = self._options[1]
        self._account = self._backend.add_account(account_sid, auth_token)
        self._faults = Faults(self.seed)
        self._api = Api(self._backend, self._faults)
        size = self._journal_size
        self._backend.events.resize(size)
        self._journal: BoundedLog[RecordedRequest] = BoundedLog(size)
        self._router = Router(
            self._token_of, lambda: self._outside(), size, now=self._backend.clock.now
        )
        self._callbacks = StatusCallbacks(self._backend, self._router)
        self._alerts = Alerts(self._backend.clock.now, size)
        self._router.listeners.append(self._alerts.on_delivery)
        self._runner = VoiceRunner(self._backend, self._router, self._alerts)
        self._runner.keep_ended(size)
        self._conference_twiml = ConferenceTwiml(
            self._backend, self._router, self._alerts, self._callbacks, self._runner
        )

    def _token_of(self, account_sid: str | None) -> str:
        """The auth token that signs a webhook about ``account_sid`` (else this account's)."""
        account = self._backend.accounts.get(account_sid) if account_sid else None
        return (account or self._account).auth_token

    def reset(self) -> None:
        """Forget everything (conferences, journals, routes, schedules, call
        outcomes, API keys, faults): the fake is as it was constructed, same
        credentials and, from the same seed, the same SIDs again."""
        # Every account added since stays, with its credentials (its data goes).
        others = [(a.sid, a.auth_token) for a in self._backend.accounts.all()[1:]]
        self._faults.clear()
        self._build(*self._given_credentials)
        for sid, token in others:
            self._backend.add_account(sid, token)

    @property
    def clock(self) -> Clock:
        """The fake's clock; tests normally steer it with freezegun or
        time-machine, server mode with ``freeze``/``advance``/``release``."""
        return self._backend.clock

    # -- identity ---------------------------------------------------------
    @property
    def account_sid(self) -> str:
        return self._account.sid

    @property
    def auth_token(self) -> str:
        return self._account.auth_token

    def add_account(
        self, account_sid: str | None = None, auth_token: str | None = None
    ) -> FakeTwilio:
        """Add another account (SID and token drawn from the seed unless given) and
        return the fake as that account sees it.

        The returned fake shares this one's backend, clock, scheduler, journals,
        webhook routes and faults; its ``account_sid``/``auth_token`` are the new
        account's, and what it creates and lists is that account's alone. The API
        answers either account's credentials, each on its own
        ``/Accounts/{AccountSid}`` paths only (401/20003 on the other's). Raises
        ``ValueError`` for a malformed SID or an empty token,
        :class:`~pytest_fakeconf.FakeconfError` for an account that exists.
        """
        account = self._backend.add_account(account_sid, auth_token)
        return self.account(account.sid)

    def account(self, account_sid: str) -> FakeTwilio:
        """The fake as the account ``account_sid`` sees it (this fake's own account:
        the fake it was added to); :class:`~pytest_fakeconf.NotFoundError` if none."""
        main = self._main()
        if account_sid == main.account_sid:
            return main
        account = self._backend.accounts.get(account_sid)
        if account is None:
            raise not_found(f"Account {account_sid!r}")
        from .account_view import AccountView

        return AccountView(main, account)

    @property
    def account_sids(self) -> list[str]:
        """Every account's SID, the fake's own (default) account first."""
        return [account.sid for account in self._backend.accounts.all()]

    def _main(self) -> FakeTwilio:
        """The fake the accounts were added to (a view of another account overrides it)."""
        return self

    def create_api_key(self) -> ApiKey:
        """A standard API key of this account: ``Client(key.sid, key.secret, account_sid)``."""
        return self._backend.accounts.add_api_key(self.account_sid)

    # -- conferences --------------------------------------------------------
    def create_conference(
        self,
        friendly_name: str | None = None,
        *,
        status: ConferenceStatus = "in-progress",
        region: Region = "us1",
        date_created: _dt.datetime | None = None,
        sid: str | None = None,
    ) -> ConferenceHandle:
        """Create a conference as if calls had set it up; returns a live handle.

        Raises :class:`~pytest_fakeconf.TwilioError` when another conference of
        that name is active, and ``ValueError`` for values Twilio would never
        hold (an unknown status or region, a name over 128 characters).
        """
        record = self._backend.conferences.create(
            self.account_sid,
            friendly_name,
            status=status,
            region=region,
            date_created=date_created,
            sid=sid,
        )
        return ConferenceHandle(self._backend, record)

    def get_conference(self, sid: str) -> ConferenceHandle:
        """The conference with this SID; :class:`~pytest_fakeconf.NotFoundError` if none."""
        self._backend.catch_up()
        record = self._backend.conference_store(self.account_sid).get(sid)
        if record is None:
            raise not_found(f"Conference {sid!r}")
        return ConferenceHandle(self._backend, record)

    @property
    def conferences(self) -> list[ConferenceHandle]:
        """Every conference of the account, newest first."""
        backend = self._backend
        backend.catch_up()
        return [
            ConferenceHandle(backend, c)
            for c in backend.conference_store(self.account_sid).newest_first()
        ]

    # -- calls ----------------------------------------------------------------
    def get_call(self, sid: str) -> CallHandle:
        """The call with this SID (a participant's ``call_sid`` is one);
        :class:`~pytest_fakeconf.NotFoundError` if none (or it was deleted)."""
        self._backend.catch_up()
        record = self._backend.calls.get(self.account_sid, sid)
        if record is None:
            raise not_found(f"Call {sid!r}")
        return CallHandle(self._backend, record, self._runner)

    @property
    def calls(self) -> list[CallHandle]:
        """Every call of the account (``/Calls``), newest first."""
        backend = self._backend
        backend.catch_up()
        return [
            CallHandle(backend, c, self._runner)
            for c in backend.call_store(self.account_sid).newest_first()
        ]

    def generate_history(
        self,
        count: int = 50,
        *,
        start: _dt.datetime | None = None,
        end: _dt.datetime | None = None,
        seed: int | str | None = None,
    ) -> list[ConferenceHandle]:
        """Fill the store with ``count`` realistic conferences created in ``[start, end]``.

        Defaults: the 30 days up to now; the seed follows the fake's seed.
        Names come from faker; most conferences are completed (mostly
        ``last-participant-left``), the most recent may still be live.
        """
        end = end if end is not None else self._backend.clock.now()
        start = start if start is not None else end - _dt.timedelta(days=30)
        records = generate_history(
            self._backend,
            self.account_sid,
            count,
            start=start,
            end=end,
            seed=f"{self.seed}/history" if seed is None else seed,
        )
        return [ConferenceHandle(self._backend, r) for r in records]

    def set_call_outcome(
        self,
        number: str,
        outcome: CallOutcome,
        *,
        answered_by: AnsweredBy | None = None,
        ring_for: _dt.timedelta | None = None,
    ) -> None:
        """What happens when a call to ``number`` (its ``To``) is placed: a participant
        dialled over the API, a call created with ``POST /Calls``, or the child call of
        a ``<Dial><Number>``.

        ``"answer"`` (the default for every number) answers it (a participant
        connects); ``"busy"``, ``"no-answer"`` and ``"failed"`` end the call with that
        status (a participant is gone right after the create answered ``queued``, as
        Twilio's would be).

        ``answered_by`` is what Answering Machine Detection reports when the call asks
        for it (``MachineDetection``): ``"human"`` (also when not given),
        ``"machine_start"``, ``"machine_end_beep"``, ``"machine_end_silence"``,
        ``"machine_end_other"``, ``"fax"`` or ``"unknown"``; only with ``"answer"``.

        ``ring_for`` (a ``datetime.timedelta``) makes a call from ``POST /Calls`` or a
        ``<Dial><Number>`` ring that long on the fake's clock before its outcome: it is
        ``ringing`` until the clock passes it (freezegun's ``tick``, time-machine's
        ``shift``); a call whose ``Timeout`` is shorter ends ``no-answer`` then.
        """
        self._backend.calls.set_call_outcome(
            number, outcome, answered_by=answered_by, ring_for=ring_for
        )

    @property
    def scheduled(self) -> list[Scheduled]:
        """Ends and leaves scheduled for later and not yet due, earliest first (also a
        ringing call's answer or end, and a call's time limit)."""
        self._backend.catch_up()
        return self._backend.scheduler.pending()

    @property
    def events(self) -> list[Event]:
        """What happened, in order: ``conference-create``, ``participant-join``,
        ``conference-start``, ``conference-end``, … (the newest :attr:`journal_size`
        of them when it is set)"""
        self._backend.catch_up()
        events = self._backend.events.snapshot()
        if len(self._backend.accounts.all()) == 1:
            return events
        return [event for event in events if event.account_sid == self.account_sid]

    # -- webhooks -------------------------------------------------------------
    @property
    def alerts(self) -> list[Alert]:
        """What Twilio's Debugger would show, oldest first: the app's voice URL not
        answering 2xx (11200), TwiML that does not parse (12100) or is not TwiML
        (12200, 13xxx), a status callback not answered 2xx (11200), and what the fake
        does not implement (code 0); the newest :attr:`journal_size` of them when it is
        set."""
        return self._alerts.snapshot()

    @property
    def webhooks(self) -> list[WebhookDelivery]:
        """Every request the fake made to the application, in order, with its outcome
        (the newest :attr:`journal_size` of them when it is set)."""
        return self._router.journal.snapshot()

    def route_webhooks(self, base_url: str, app: WsgiApp | AsgiApp) -> None:
        """Deliver every webhook under ``base_url`` to ``app``, in-process.

        ``app`` is any WSGI callable (a Flask app, Django's ``get_wsgi_application()``,
        a bare function) or any ASGI app (FastAPI, Starlette, Django's
        ``get_asgi_application()``, an ``async def app(scope, receive, send)``), told
        apart by whether it (or its ``__call__``) is a coroutine function. An ASGI app
        runs on a fresh event loop (on a worker thread when the caller's thread runs
        one). Deliveries are signed with ``X-Twilio-Signature`` for the URL as given,
        so ``RequestValidator`` accepts them when the app rebuilds it.
        """
        if is_asgi(app):
            self._router.route(base_url, asgi_receiver(cast(AsgiApp, app)))
        else:
            self._router.route(base_url, wsgi_receiver(cast(WsgiApp, app)))

    def route_webhooks_over_http(self, base_url: str, *, timeout: float = 10.0) -> None:
        """Deliver every webhook under ``base_url`` over the network, to a live server."""
        self._router.route(base_url, http_receiver(timeout))

    def dial_in(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        method: str = "POST",
        digits: str | Sequence[str] | None = None,
    ) -> ParticipantHandle | None:
        """An inbound call: fetch the app's TwiML at ``url`` and follow it.

        Follows ``<Redirect>``; for ``<Dial><Conference>`` joins (or starts) the
        conference it names with the noun's attributes and returns the live
        participant; returns None when the TwiML joined no conference. Raises
        :class:`TwilioError` with code 11200 (the app did not answer 2xx), 12100
        (the TwiML does not parse) or 12200 (not valid TwiML); nothing joins then.
        The call is an ``inbound`` call run by the same TwiML runner as
        ``calls.create``; what failed is also in :attr:`alerts`.

        ``digits`` answers the call's ``<Gather>``s in order, as :meth:`CallHandle.press`
        (or, for a speech-only gather, :meth:`CallHandle.say`) would: a string for the
        first gather, a sequence for several. A gather left without an answer waits
        (the call ``in-progress``) for the test or its timeout.
        """
        answers = [digits] if isinstance(digits, str) else list(digits or ())
        participant = dial_in(
            self._backend,
            self._runner,
            self._alerts,
            self.account_sid,
            url,
            from_=from_,
            to=to,
            method=method,
            answers=answers,
        )
        return None if participant is None else ParticipantHandle(self._backend, participant)

    # -- HTTP ---------------------------------------------------------------
    def inject_fault(
        self,
        status: int | None = None,
        *,
        error: FaultError | None = None,
        method: str | None = None,
        path: str | None = None,
        times: int | None = ONCE,
        probability: float | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
    ) -> Fault:
        """Make matching requests fail, after authentication and instead of the operation.

        ``status`` 429, 500 or 503 answers Twilio's error body (``Retry-After:
        retry_after`` when given); ``error`` ``"connection"`` or ``"timeout"``
        makes the client library raise what it raises for a refused connection or
        a read timeout. ``method`` (None: any) and ``path`` (a glob on the path
        after ``/2010-04-01/Accounts/{AccountSid}``, ``*`` crossing ``/``) choose
        the requests. The first ``times`` matching requests fail (None: until
        :meth:`Fault.remove`), or with ``probability`` each one fails with that
        chance, drawn from the fake's seed. ``delay`` moves the fake's clock that
        many seconds first; a fault with only a delay then answers normally.
        Anything invalid raises ``ValueError``.
        """
        return self._faults.add(
            status,
            error=error,
            method=method,
            path=path,
            times=times,
            probability=probability,
            retry_after=retry_after,
            delay=delay,
        )

    @property
    def faults(self) -> list[Fault]:
        """The injected faults not removed (used-up ones included), oldest first."""
        return self._faults.all

    @property
    def requests(self) -> list[RecordedRequest]:
        """The HTTP requests the fake answered, oldest first (the newest
        :attr:`journal_size` of them when it is set)."""
        return self._journal.snapshot()

    # -- journals -------------------------------------------------------------
    @property
    def journal_size(self) -> int | None:
        """How many entries each journal keeps, the oldest dropped first: None (the
        default in-process) keeps every one; server mode keeps 5,000 unless told
        otherwise. The logs of ended calls (``CallHandle.log``) follow it too: the newest
        ``journal_size`` ended calls keep theirs. Setting it drops the oldest entries
        beyond the new bound now; it survives :meth:`reset`."""
        return self._journal_size

    @journal_size.setter
    def journal_size(self, size: int | None) -> None:
        self._journal_size = check_size(size)
        self._journal.resize(size)
        self._router.journal.resize(size)
        self._backend.events.resize(size)
        self._alerts.resize(size)
        self._runner.keep_ended(size)

    @property
    def journal_counts(self) -> dict[str, JournalCount]:
        """Per journal (``requests``, ``webhooks``, ``events``, ``alerts``): how many
        entries it recorded since the fake was built or reset, how many it dropped as
        the oldest beyond :attr:`journal_size`, and how many it keeps."""
        return {
            "requests": self._journal.counts,
            "webhooks": self._router.journal.counts,
            "events": self._backend.events.counts,
            "alerts": self._alerts.counts,
        }

    def answer(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> ApiResponse:
        """Answer one HTTP request as Twilio would, and record it in :attr:`requests`.

        Every transport calls this. An unexpected exception inside the fake is
        a bug in the fake: the app gets Twilio's 500 body and the fixture fails
        the test at teardown with the traceback (see :attr:`crashes`).
        """
        request = ApiRequest.from_url(method, url, headers, body)
        try:
            self._backend.catch_up()
            with self._backend.events.batch():
                response = self._api.handle(request)
        except Exception:
            self.crashes.append(f"{method} {url}\n{traceback.format_exc()}")
            response = ApiResponse.json(500, internal_error().body())
        self._journal.append(
            RecordedRequest(
                method=request.method,
                url=url,
                path=request.path,
                query=request.query,
                form=request.form,
                headers=dict(headers or {}),
                status_code=response.status,
                response_headers=response.headers,
                response_body=response.body,
                error=response.error,
                at=self._backend.clock.now(),
            )
        )
        return response

    @property
    def mock(self) -> responses.RequestsMock:
        """The running ``responses`` mock; add your own stubs for other endpoints to it."""
        if self._transport.mock is None:
            raise RuntimeError(
                "the fake is not started; use it as a context manager or call start()"
            )
        return self._transport.mock

    def start(self) -> FakeTwilio:
        """Intercept every ``requests`` call to a Twilio host until :meth:`stop`,
        and every aiohttp call too when ``aioresponses`` is installed."""
        self._transport.start()
        self._async_transport.start()
        return self

    def stop(self) -> None:
        self._async_transport.stop()
        self._transport.stop()

    @property
    def started(self) -> bool:
        return self._transport.active

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """Use the fake as a decorator: started for the call of ``func`` (sync or async)."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return cast(F, run_async)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return cast(F, run)

    def __repr__(self) -> str:
        return f"<FakeTwilio {self.account_sid} seed={self.seed!r}>"


__all__ = ["UTC", "FakeTwilio"]
