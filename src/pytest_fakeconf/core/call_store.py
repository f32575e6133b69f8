"""Calls of one account: the record, its store and indexes, and its pure rules.

Rules (``../shared/reference/twilio-calls-and-twiml.md`` §1.3, §1.8):

* a call is ``queued`` → ``ringing`` → ``in-progress`` → ``completed``, or ends
  ``busy`` / ``no-answer`` / ``failed`` before it is answered, or ``canceled``
  (over the API, while queued or ringing); an ended call never changes again;
* ``start_time`` is set when the call is answered, ``end_time`` when an answered
  call completes; ``duration`` (seconds) is known only once it completed (§1.2:
  "empty for busy, failed, unanswered, or ongoing calls");
* only a call in progress can be redirected (21220);
* a call rings on the fake's clock for its number's ``ring_for`` (:class:`NumberSetup`),
  at most its ``Timeout`` (then ``no-answer``, §1.3, §1.5), and an answered call with a
  ``TimeLimit`` ends ``completed`` at ``start_time`` + the limit;
* Answering Machine Detection (§5, :class:`Amd`) sets ``answered_by`` when the call is
  answered.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from . import errors
from .bounded import DELETED_TOKEN_KEYS, RecentMap
from .clock import epoch_seconds
from .index import KeyIndex, Page, SortKey, Window, select
from .vocabulary import (
    CALL_STATUSES,
    LIVE_CALL_STATUSES,
    AnsweredBy,
    CallCallbackEvent,
    CallDirection,
    CallOutcome,
    CallStatus,
    MachineDetection,
)

TWIML_MAX = 4000  # "Max 4000 characters" (OpenAPI CreateCall ``Twiml``)
API_TIMEOUT = 60  # CreateCall ``Timeout``: "default 60, max 600" (§1.5)
DIAL_TIMEOUT = 30  # ``<Dial timeout>``: default 30 (§3.3)
MAX_TIMEOUT = 600  # both: "max 600" (§1.5, §3.3)
# The longest ``TimeLimit`` the fake enforces: "4 h, or 24 h if enabled" (§1.5); a larger
# one is cut to 24 h (a GUESS: Twilio's answer to a larger value is unknown; FIDELITY: F66).
MAX_TIME_LIMIT = 24 * 3600


@dataclass(frozen=True, slots=True)
class NumberSetup:
    """What a dialled number does (``set_call_outcome``): its ``outcome``, who answers
    (``answered_by``, what machine detection reports) and how long it rings first."""

    outcome: CallOutcome = "answer"
    answered_by: AnsweredBy | None = None
    ring_for: _dt.timedelta = _dt.timedelta(0)


@dataclass(frozen=True, slots=True)
class Amd:
    """Answering Machine Detection asked for a call (§5): ``MachineDetection``; with
    ``asynchronous`` (``AsyncAmd=true``) the result goes to ``callback``
    (``AsyncAmdStatusCallback``) instead of the voice request; a Participants leg or a
    ``<Number>`` names its ``callback`` ``AmdStatusCallback`` and is never asynchronous."""

    mode: MachineDetection
    asynchronous: bool = False
    callback: str | None = None
    callback_method: str = "POST"


def detected(mode: MachineDetection, answered_by: AnsweredBy | None) -> AnsweredBy:
    """What detection in ``mode`` reports for a number answered by ``answered_by``.

    No ``answered_by`` set for the number: ``human`` (a GUESS: the fake's numbers are
    answered by people unless a test says otherwise). §5: ``machine_start`` belongs to
    ``Enable`` ("as soon as the called party is identified"), the ``machine_end_*``
    values to ``DetectMessageEnd``; so under ``Enable`` a ``machine_end_*`` number
    reports ``machine_start``, and under ``DetectMessageEnd`` a ``machine_start`` number
    reports ``machine_end_other`` (that last mapping is a GUESS). FIDELITY: F66."""
    if answered_by is None:
        return "human"
    if mode == "Enable" and answered_by.startswith("machine_end_"):
        return "machine_start"
    if mode == "DetectMessageEnd" and answered_by == "machine_start":
        return "machine_end_other"
    return answered_by


@dataclass(slots=True, eq=False)
class Call:
    """One call leg. ``url``/``twiml`` are its instructions now (a TwiML-driven call);
    a call with neither is a REST participant leg, which completes when it leaves."""

    account_sid: str
    sid: str
    key: SortKey
    date_created: _dt.datetime
    date_updated: _dt.datetime
    direction: CallDirection
    from_: str
    to: str
    status: CallStatus = "queued"
    parent_call_sid: str | None = None
    start_time: _dt.datetime | None = None
    end_time: _dt.datetime | None = None
    answered_by: AnsweredBy | None = None
    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple[CallCallbackEvent, ...] = ("completed",)
    callback_seq: int = 0
    conference_sid: str | None = None  # the conference it is in now
    options: dict[str, str] = field(default_factory=dict)
    timeout: int = API_TIMEOUT  # seconds it may ring before ``no-answer``
    time_limit: int | None = None  # seconds from the answer before it is ended
    amd: Amd | None = None

    @property
    def live(self) -> bool:
        return self.status in LIVE_CALL_STATUSES

    @property
    def webhook_answered_by(self) -> AnsweredBy | None:
        """``AnsweredBy`` of the call's voice requests: the detection result when it is
        synchronous (the ``Url`` request waits for it, §5); None with ``AsyncAmd=true``
        (the result goes to the AMD callback; later voice requests do not carry it
        either: a GUESS, §9.8; FIDELITY: F66)."""
        if self.amd is None or self.amd.asynchronous:
            return None
        return self.answered_by

    @property
    def twiml_driven(self) -> bool:
        return self.url is not None or self.twiml is not None

    @property
    def duration(self) -> int | None:
        """Seconds from answer to end, once the call completed (None before, and for
        calls that were never answered)."""
        if self.status != "completed" or self.start_time is None or self.end_time is None:
            return None
        return max(0, int((self.end_time - self.start_time).total_seconds()))


@dataclass(frozen=True, slots=True)
class CallFilter:
    """The list filters of ``GET …/Calls.json``; time bounds are inclusive epoch seconds."""

    to: str | None = None
    from_: str | None = None
    parent_call_sid: str | None = None
    status: str | None = None
    start_lo: int | None = None
    start_hi: int | None = None
    end_lo: int | None = None
    end_hi: int | None = None

    def accepts(self, call: Call) -> bool:
        if self.to is not None and call.to != self.to:
            return False
        if self.from_ is not None and call.from_ != self.from_:
            return False
        if self.parent_call_sid is not None and call.parent_call_sid != self.parent_call_sid:
            return False
        if self.status is not None and call.status != self.status:
            return False
        return _within(call.start_time, self.start_lo, self.start_hi) and _within(
            call.end_time, self.end_lo, self.end_hi
        )


def _within(when: _dt.datetime | None, lo: int | None, hi: int | None) -> bool:
    if lo is None and hi is None:
        return True
    if when is None:  # a call never started (or ended) matches no time filter
        return False
    seconds = epoch_seconds(when)
    return (lo is None or seconds >= lo) and (hi is None or seconds <= hi)


def check_redirectable(call: Call) -> None:
    """21220 unless the call is in progress (§1.8)."""
    if call.status != "in-progress":
        raise errors.call_not_in_progress()


def check_twiml(twiml: str) -> str:
    """32018 for TwiML over 4,000 characters."""
    if len(twiml) > TWIML_MAX:
        raise errors.twiml_too_long(len(twiml))
    return twiml


class CallStore:
    """All calls of one account, indexed for Twilio's list filters; deleted calls
    are gone, but a page token naming one of the newest
    :data:`~.bounded.DELETED_TOKEN_KEYS` deleted still pages on (FIDELITY: F72)."""

    __slots__ = ("_all", "_by_field", "_by_key", "_by_sid", "_by_status", "_deleted_keys")

    def __init__(self) -> None:
        self._by_sid: dict[str, Call] = {}
        self._by_key: dict[SortKey, Call] = {}
        self._deleted_keys: RecentMap[str, SortKey] = RecentMap(DELETED_TOKEN_KEYS)
        self._all = KeyIndex()
        self._by_status: dict[str, KeyIndex] = {s: KeyIndex() for s in CALL_STATUSES}
        # ("to" | "from" | "parent", value) -> the calls with that value
        self._by_field: dict[tuple[str, str], KeyIndex] = {}

    def __len__(self) -> int:
        return len(self._by_sid)

    def get(self, sid: str) -> Call | None:
        return self._by_sid.get(sid)

    def key_for_token(self, sid: str) -> SortKey | None:
        """The sort key a page token naming ``sid`` resumes from (None: unknown, or
        deleted too long ago)."""
        call = self._by_sid.get(sid)
        return call.key if call is not None else self._deleted_keys.get(sid)

    def newest_first(self) -> Iterator[Call]:
        lo, hi = self._all.span(None, None)
        for key in list(self._all.descending(lo, hi)):
            yield self._by_key[key]

    def _fields(self, call: Call) -> Iterator[tuple[str, str]]:
        yield ("to", call.to)
        yield ("from", call.from_)
        if call.parent_call_sid is not None:
            yield ("parent", call.parent_call_sid)

    def add(self, call: Call) -> None:
        self._by_sid[call.sid] = call
        self._by_key[call.key] = call
        self._all.add(call.key)
        self._by_status[call.status].add(call.key)
        for name in self._fields(call):
            self._by_field.setdefault(name, KeyIndex()).add(call.key)

    def remove(self, call: Call) -> None:
        """Forget a stored call (only an ended one is deleted, once)."""
        del self._by_sid[call.sid]
        del self._by_key[call.key]
        self._deleted_keys[call.sid] = call.key
        self._all.remove(call.key)
        self._by_status[call.status].remove(call.key)
        for name in self._fields(call):
            self._by_field[name].remove(call.key)

    def set_status(self, call: Call, status: CallStatus, at: _dt.datetime) -> None:
        """Move a stored call to ``status`` and keep the indexes in step."""
        self._by_status[call.status].remove(call.key)
        self._by_status[status].add(call.key)
        call.status = status
        call.date_updated = max(call.date_updated, at)

    def page(self, flt: CallFilter, window: Window) -> Page[Call]:
        """A page of calls matching ``flt``, walking the smallest index that applies."""
        index = self._all
        candidates: list[KeyIndex] = []
        if flt.status is not None:
            candidates.append(self._by_status.get(flt.status, KeyIndex()))
        for name, value in (("to", flt.to), ("from", flt.from_), ("parent", flt.parent_call_sid)):
            if value is not None:
                candidates.append(self._by_field.get((name, value), KeyIndex()))
        if candidates:
            index = min(candidates, key=len)
        # A call is created before it starts and before it ends: an upper bound on
        # either caps the creation time too, so the walk starts there.
        for hi in (flt.start_hi, flt.end_hi):
            if hi is not None:
                capped = hi if window.hi_ts is None else min(window.hi_ts, hi)
                window = replace(window, hi_ts=capped)
        accept = None if flt == CallFilter() else flt.accepts
        return select(index, window, self._by_key.__getitem__, accept)
