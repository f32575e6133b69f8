"""What Twilio reports to its Debugger rather than on the API: ``fakeconf.alerts``.

Twilio's REST API has already answered (a call's create returned 201) when its app
fails it: a voice URL that does not answer 2xx (11200), TwiML that does not parse
(12100) or is not valid TwiML (12200, 13xxx), a status callback that fails. Twilio
shows those in the Debugger and the call's Notifications
(``shared/reference/twilio-calls-and-twiml.md`` §3.8); the fake journals them here.

Codes are Twilio's, with two guesses registered in FIDELITY.md (FIDELITY: F61):

* a failed status callback is 11200 ("HTTP retrieval failure, including 4xx/5xx
  responses", §3.8); §2.2 only says a wrong answer "logs Debugger warnings",
  without naming a code;
* what Twilio does but the fake does not (``<Record>``, ``<Enqueue>``, …) and the
  fake's own safety caps have no Twilio code: :data:`NOT_TWILIO` (0).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from ..core.bounded import BoundedLog, JournalCount
from ..core.errors import FakeconfError, TwilioError
from .delivery import WebhookDelivery

NOT_TWILIO = 0  # the code of an alert about the fake itself, not one Twilio reports
HTTP_RETRIEVAL_FAILURE = 11200
AlertLevel = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One Debugger entry: Twilio's ``code`` (0 for the fake's own), what happened,
    the URL involved, the call and conference it concerns, and when.

    Attributes:
        code: Twilio's error code (11200, 12100, 12200, 13238, …), 0 for the fake's own.
        message: what happened.
        at: when (timezone-aware UTC).
        url: the URL involved, or None.
        call_sid: the call it concerns, or None.
        conference_sid: the conference it concerns, or None.
        level: ``error`` or ``warning``.
        error: the exception behind it, if any (not shown in the repr).
    """

    code: int
    message: str
    at: _dt.datetime
    url: str | None = None
    call_sid: str | None = None
    conference_sid: str | None = None
    level: AlertLevel = "error"
    error: FakeconfError | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "url": self.url,
            "call_sid": self.call_sid,
            "conference_sid": self.conference_sid,
            "at": self.at.isoformat(),
        }


class Alerts:
    """The journal of alerts, oldest first: the newest ``size`` (None: every one)."""

    def __init__(self, now: Callable[[], _dt.datetime], size: int | None = None) -> None:
        self._now = now
        self._items: BoundedLog[Alert] = BoundedLog(size)

    def add(
        self,
        code: int,
        message: str,
        *,
        url: str | None = None,
        call_sid: str | None = None,
        conference_sid: str | None = None,
        level: AlertLevel = "error",
        error: FakeconfError | None = None,
    ) -> Alert:
        alert = Alert(code, message, self._now(), url, call_sid, conference_sid, level, error)
        self._items.append(alert)
        return alert

    def error(
        self,
        error: TwilioError,
        *,
        url: str | None = None,
        call_sid: str | None = None,
        conference_sid: str | None = None,
    ) -> Alert:
        """An alert for a Twilio error that ended (or would end) a call."""
        return self.add(
            error.code,
            error.message,
            url=url,
            call_sid=call_sid,
            conference_sid=conference_sid,
            error=error,
        )

    def on_delivery(self, delivery: WebhookDelivery) -> None:
        """A status callback the app did not answer 2xx: 11200 (a guess, FIDELITY: F61).

        Voice requests are the runner's to report (it knows what the call does next).
        """
        if delivery.kind == "voice" or delivery.ok:
            return
        why = delivery.error.splitlines()[-1] if delivery.error else delivery.status_code
        self.add(
            HTTP_RETRIEVAL_FAILURE,
            f"HTTP retrieval failure: the {delivery.kind} callback was not answered 2xx ({why})",
            url=delivery.url,
            call_sid=delivery.params.get("CallSid"),
            conference_sid=delivery.params.get("ConferenceSid"),
            level="warning",
        )

    def for_call(self, call_sid: str) -> list[Alert]:
        return [a for a in self._items if a.call_sid == call_sid]

    def resize(self, size: int | None) -> None:
        """Keep the newest ``size`` alerts from now on (None: every one)."""
        self._items.resize(size)

    @property
    def counts(self) -> JournalCount:
        return self._items.counts

    def __iter__(self) -> Iterator[Alert]:
        return iter(self._items.snapshot())

    def __len__(self) -> int:
        return len(self._items)

    def snapshot(self) -> list[Alert]:
        return self._items.snapshot()
