"""Injected faults: requests that fail on purpose, so an app's retries can be tested.

A fault answers after authentication (a wrong credential still gets its 401) and
instead of the operation, so nothing in the store changes. It answers Twilio's
error body for its ``status``, or tells the transport to raise what its client
library raises for a refused connection or a read timeout (``error``); a
``delay`` first moves the fake's clock, never the test's.

The oldest fault that fires decides a request; a fault that matches but does
not fire (used up, or its draw said no) lets the next one try.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import fnmatch
import math
import random
import re
from typing import TYPE_CHECKING, Literal, TypeGuard, get_args

from ..core.errors import SERVICE_ERRORS, service_error
from .messages import ApiRequest, ApiResponse

if TYPE_CHECKING:
    from ..core.backend import Backend

FaultError = Literal["connection", "timeout"]
ERRORS: tuple[str, ...] = get_args(FaultError)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# The statuses a fault may answer, with Twilio's body for each (core/errors.py).
STATUSES = SERVICE_ERRORS

_ACCOUNT_PREFIX = re.compile(r"/2010-04-01/Accounts/[^/]+?(?=/|\.json\Z|\Z)")


class _Once(int):
    """The default of ``times`` (1), told apart from an explicit ``times=1``."""


ONCE = _Once(1)


class Fault:
    """A handle on one injected fault: :attr:`hits` counts the requests it
    faulted; :meth:`remove` stops it (idempotent).

    Attributes:
        id: its number (1, 2, …), as server mode's ``/_fakeconf/faults/{id}``.
        status: 429, 500 or 503, or None.
        error: ``connection`` or ``timeout``, or None.
        method: the method it is about (``GET``, …), None: any.
        path: the path glob it is about, None: any.
        times: how many matching requests it fails, None: until removed.
        probability: the chance a matching request fails, or None.
        retry_after: the ``Retry-After`` seconds it sends, or None.
        delay: the seconds the fake's clock moves before the answer, or None.
        hits: the requests it faulted.
        removed: whether :meth:`remove` was called.
        active: not removed and not used up: it may still fault a request.
    """

    def __init__(
        self,
        registry: Faults,
        id: int,
        *,
        status: int | None,
        error: str | None,
        method: str | None,
        path: str | None,
        times: int | None,
        probability: float | None,
        retry_after: int | None,
        delay: float | None,
        rng: random.Random | None,
    ) -> None:
        self._registry = registry
        self.id = id
        self.status = status
        self.error = error
        self.method = method
        self.path = path
        self.times = times
        self.probability = probability
        self.retry_after = retry_after
        self.delay = delay
        self.hits = 0
        self.removed = False
        self._rng = rng

    @property
    def active(self) -> bool:
        """Not removed and not used up: it may still fault a request."""
        return not self.removed and (self.times is None or self.hits < self.times)

    def remove(self) -> None:
        """Stop faulting requests (harmless when already removed)."""
        self._registry.discard(self)

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is one this fault is about (whether it faults it is :meth:`fires`)."""
        if self.method is not None and method != self.method:
            return False
        if self.path is None:
            return True
        prefix = _ACCOUNT_PREFIX.match(path)
        # A path glob is about account paths only; fnmatchcase's "*" crosses "/".
        return prefix is not None and fnmatch.fnmatchcase(path[prefix.end() :], self.path)

    def fires(self) -> bool:
        """Whether it faults the request it :meth:`matches` (a draw, with a probability)."""
        if not self.active:
            return False
        if self._rng is not None and self.probability is not None:
            return self._rng.random() < self.probability
        return True

    def response(self) -> ApiResponse | None:
        """What the fault answers instead of the operation; None when it only delays."""
        if self.error is not None:
            return ApiResponse(0, fault=self)
        if self.status is None:
            return None
        # Retry-After only when the test asks for it: twilio-python's
        # TwilioHttpClient(max_retries=N) retries a 429/503 only when it carries one
        # (../shared/reference/twilio-python-client.md §7.3). Whether Twilio sends it
        # on its 429s is not recorded there: a guess (FIDELITY: F50).
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        body = service_error(self.status).body()
        return dataclasses.replace(ApiResponse.json(self.status, body, headers), fault=self)

    def as_dict(self) -> dict[str, object]:
        names = ("id", "status", "error", "method", "path", "times", "probability")
        more = ("retry_after", "delay", "hits", "active")
        return {name: getattr(self, name) for name in names + more}

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}" for k, v in self.as_dict().items() if v is not None and k != "id"
        )
        return f"<Fault {self.id} {shown}>"


class Faults:
    """The faults of one fake, oldest first; draws come from the fake's seed."""

    def __init__(self, seed: int | str) -> None:
        self._seed = seed
        self._faults: list[Fault] = []
        self._count = 0

    @property
    def all(self) -> list[Fault]:
        """Every fault not removed, used-up ones included, oldest first."""
        return list(self._faults)

    def add(
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
        """Validate and register a fault; ``ValueError`` names what is wrong."""
        _check_kind(status, error, delay, retry_after)
        if probability is not None:
            if not isinstance(times, _Once) and times is not None:
                raise ValueError("give times or probability, not both")
            if not _number(probability) or not 0 < probability <= 1:
                raise ValueError(f"probability must be in (0, 1]; got {probability!r}")
            times = None
        elif times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise ValueError(f"times must be a whole number >= 1, or None; got {times!r}")
        self._count += 1
        fault = Fault(
            self,
            self._count,
            status=status,
            error=error,
            method=_method(method),
            path=_path(path),
            times=None if times is None else int(times),
            probability=probability,
            retry_after=_retry_after(retry_after),
            delay=_delay(delay),
            rng=None if probability is None else random.Random(f"{self._seed}/fault/{self._count}"),
        )
        self._faults.append(fault)
        return fault

    def discard(self, fault: Fault) -> None:
        fault.removed = True
        if fault in self._faults:
            self._faults.remove(fault)

    def clear(self) -> None:
        for fault in list(self._faults):
            self.discard(fault)

    def intercept(self, request: ApiRequest, backend: Backend) -> ApiResponse | None:
        """The answer of the first fault that fires on ``request``, after its delay;
        None to answer normally (no fault fired, or it only delays)."""
        for fault in self._faults:
            if fault.matches(request.method, request.path) and fault.fires():
                fault.hits += 1
                if fault.delay:
                    backend.clock.advance(_dt.timedelta(seconds=fault.delay))
                    backend.catch_up()
                return fault.response()
        return None


def _check_kind(status: object, error: object, delay: object, retry_after: object) -> None:
    if status is not None and error is not None:
        raise ValueError("give status or error, not both")
    if status is not None and (isinstance(status, bool) or status not in STATUSES):
        allowed = ", ".join(map(str, STATUSES))
        raise ValueError(f"status must be one of {allowed}; got {status!r}")
    if error is not None and error not in ERRORS:
        raise ValueError(f"error must be one of {', '.join(map(repr, ERRORS))}; got {error!r}")
    if status is None and error is None and delay is None:
        raise ValueError("a fault needs a status, an error or a delay")
    if retry_after is not None and status is None:
        raise ValueError("retry_after goes with a status (it is an HTTP header)")


def _method(method: object) -> str | None:
    if method is None:
        return None
    if not isinstance(method, str) or not method.isascii() or method.upper() not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)} or None; got {method!r}")
    return method.upper()


def _path(path: object) -> str | None:
    if path is None:
        return None
    if not isinstance(path, str) or not path.startswith(("/", "*", ".")):
        raise ValueError(
            "path is a glob on the path after /2010-04-01/Accounts/{AccountSid}, "
            f"like '/Conferences/*/Participants.json'; got {path!r}"
        )
    if path.startswith("/2010-04-01/"):
        raise ValueError(
            f"path is relative to /2010-04-01/Accounts/{{AccountSid}}: "
            f"drop that prefix from {path!r}"
        )
    return path


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _seconds(name: str, value: object) -> float | None:
    if value is None:
        return None
    if not _number(value) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number of seconds >= 0; got {value!r}")
    return value


MAX_DELAY = 366 * 24 * 3600  # a year: latency, not time travel


def _delay(value: object) -> float | None:
    seconds = _seconds("delay", value)
    if seconds is not None and seconds > MAX_DELAY:
        raise ValueError(f"delay is at most {MAX_DELAY} seconds (a year); got {value!r}")
    return seconds


def _retry_after(value: object) -> int | None:
    seconds = _seconds("retry_after", value)
    if seconds is not None and seconds != int(seconds):
        raise ValueError(f"retry_after is whole seconds (HTTP's Retry-After); got {value!r}")
    return None if seconds is None else int(seconds)
