"""Live handles a test holds on the fake's records.

A handle reads the record every time, so after the application ends a
conference over HTTP, ``room.status`` already says ``completed``.
"""

from __future__ import annotations

import datetime as _dt

from .core.backend import Backend
from .core.conferences import VIA_API
from .core.models import Conference


class ConferenceHandle:
    """A conference as the test sees it; attributes mirror Twilio's fields."""

    __slots__ = ("_backend", "_record")

    def __init__(self, backend: Backend, record: Conference) -> None:
        self._backend = backend
        self._record = record

    @property
    def sid(self) -> str:
        return self._record.sid

    @property
    def account_sid(self) -> str:
        return self._record.account_sid

    @property
    def friendly_name(self) -> str:
        return self._record.friendly_name

    @property
    def status(self) -> str:
        return self._record.status

    @property
    def region(self) -> str:
        return self._record.region

    @property
    def date_created(self) -> _dt.datetime:
        return self._record.date_created

    @property
    def date_updated(self) -> _dt.datetime:
        return self._record.date_updated

    @property
    def reason_conference_ended(self) -> str | None:
        return self._record.reason_conference_ended

    @property
    def call_sid_ending_conference(self) -> str | None:
        return self._record.call_sid_ending_conference

    def end(
        self,
        reason: str = VIA_API,
        call_sid: str | None = None,
        *,
        at: _dt.datetime | None = None,
    ) -> None:
        """End the conference for one of Twilio's five reasons, now or at ``at``.

        The four participant reasons record ``call_sid`` (or a generated call
        SID) as ``call_sid_ending_conference``; ``conference-ended-via-api``
        records none. ``at`` (timezone-aware, not in the future, not before the
        conference's last change) back-dates the end, e.g. for history.
        Any bad value raises ``ValueError`` and changes nothing; ending a
        completed conference raises :class:`~pytest_fakeconf.TwilioError`.
        """
        self._backend.end_conference(self._record, reason, call_sid, at=at)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConferenceHandle):
            return NotImplemented
        return self._record is other._record

    def __hash__(self) -> int:
        return hash(self._record.sid)

    def __repr__(self) -> str:
        r = self._record
        return f"<Conference {r.sid} {r.friendly_name!r} {r.status}>"
