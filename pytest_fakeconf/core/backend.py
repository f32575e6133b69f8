"""The one object every door calls: accounts, their conferences, clock, SIDs, events."""

from __future__ import annotations

import datetime as _dt
import itertools
from types import MappingProxyType

from .accounts import Account, Accounts
from .clock import Clock, as_utc, epoch_seconds
from .conferences import VIA_API, ConferenceFilter, ConferenceStore, check_end, check_friendly_name
from .errors import TwilioError
from .events import Event, EventLog
from .index import Page, Window
from .models import CONFERENCE_STATUSES, Conference
from .sids import SidSource, is_sid


class Backend:
    """State and rules of one fake Twilio, free of any transport."""

    def __init__(self, sids: SidSource, clock: Clock | None = None) -> None:
        self.sids = sids
        self.clock = clock if clock is not None else Clock()
        self.accounts = Accounts(sids)
        self.events = EventLog()
        self._stores: dict[str, ConferenceStore] = {}
        self._seq = itertools.count()

    # -- accounts -------------------------------------------------------
    def add_account(self, sid: str | None = None, auth_token: str | None = None) -> Account:
        account = self.accounts.add(sid, auth_token)
        self._stores[account.sid] = ConferenceStore()
        return account

    def conferences(self, account_sid: str) -> ConferenceStore:
        return self._stores[account_sid]

    # -- conferences ----------------------------------------------------
    def create_conference(
        self,
        account_sid: str,
        friendly_name: str | None = None,
        *,
        status: str = "in-progress",
        region: str = "us1",
        date_created: _dt.datetime | None = None,
        sid: str | None = None,
    ) -> Conference:
        """A new conference. One born ``completed`` ended the commonest way:
        the last participant hung up (tests wanting another reason create it
        active and end it, or use :meth:`create_ended`)."""
        if status not in CONFERENCE_STATUSES:
            raise ValueError(
                f"status must be one of {', '.join(CONFERENCE_STATUSES)}; got {status!r}"
            )
        if status == "completed":
            return self.create_ended(
                account_sid, friendly_name, region=region, date_created=date_created, sid=sid
            )
        conference = self._new(account_sid, friendly_name, status, region, date_created, sid)
        self._stores[account_sid].add(conference)
        self._emit("conference-create", conference, conference.date_created)
        return conference

    def create_ended(
        self,
        account_sid: str,
        friendly_name: str | None = None,
        *,
        region: str = "us1",
        date_created: _dt.datetime | None = None,
        sid: str | None = None,
        reason: str = "last-participant-left",
        call_sid: str | None = None,
        ended_at: _dt.datetime | None = None,
    ) -> Conference:
        """A conference that already ran and ended (for history and reports)."""
        check_end(reason, call_sid)
        conference = self._new(account_sid, friendly_name, "completed", region, date_created, sid)
        ended = conference.date_created if ended_at is None else as_utc(ended_at, "ended_at")
        if ended < conference.date_created:
            raise ValueError(
                f"ended_at ({ended}) is before date_created ({conference.date_created})"
            )
        conference.reason_conference_ended = reason
        if reason != VIA_API and call_sid is None:
            call_sid = self.sids.sid("CA")
        conference.call_sid_ending_conference = call_sid
        conference.date_updated = ended
        self._stores[account_sid].add(conference)
        return conference

    def _new(
        self,
        account_sid: str,
        friendly_name: str | None,
        status: str,
        region: str,
        date_created: _dt.datetime | None,
        sid: str | None,
    ) -> Conference:
        if sid is not None and not is_sid(sid, "CF"):
            raise ValueError(f"sid must be 'CF' + 32 hex digits, got {sid!r}")
        if friendly_name is not None:
            check_friendly_name(friendly_name)
        created = self.clock.now() if date_created is None else as_utc(date_created, "date_created")
        sid = sid if sid is not None else self.sids.sid("CF")
        seq = next(self._seq)
        return Conference(
            account_sid=account_sid,
            sid=sid,
            friendly_name=friendly_name if friendly_name is not None else f"room-{sid[-8:]}",
            region=region,
            status=status,
            date_created=created,
            date_updated=created,
            key=(epoch_seconds(created), seq),
        )

    def end_conference(
        self,
        conference: Conference,
        reason: str = VIA_API,
        call_sid: str | None = None,
        *,
        at: _dt.datetime | None = None,
    ) -> None:
        """End ``conference`` for ``reason``; the four participant reasons name a call."""
        check_end(reason, call_sid)
        now = self.clock.now()
        if at is None:
            # A test may date a conference after the clock's "now"; its end
            # then cannot precede its creation.
            when = max(now, conference.date_updated)
        else:
            when = as_utc(at, "at")
            if when > now:
                raise ValueError(f"at ({when}) is in the future; a conference ends now or earlier")
            if when < conference.date_updated:
                last = conference.date_updated
                raise ValueError(f"at ({when}) is before the conference's last change ({last})")
        if reason != VIA_API and call_sid is None:
            call_sid = self.sids.sid("CA")
        self._stores[conference.account_sid].end(conference, reason, call_sid, when)
        self._emit(
            "conference-end",
            conference,
            conference.date_updated,
            reason_conference_ended=reason,
            call_sid_ending_conference=call_sid,
        )

    def announce(self, conference: Conference, url: str, method: str) -> None:
        """Play ``url`` into a live conference; it keeps running."""
        if not conference.active:
            raise TwilioError(400, 16001, f"Conference {conference.sid} is not currently active")
        now = self.clock.now()
        self._stores[conference.account_sid].touch(conference, now)
        self._emit("conference-announce", conference, now, url=url, method=method)

    def list_conferences(
        self, account_sid: str, flt: ConferenceFilter, window: Window
    ) -> Page[Conference]:
        return self._stores[account_sid].page(flt, window)

    def _emit(self, kind: str, conference: Conference, at: _dt.datetime, **data: object) -> None:
        self.events.emit(
            Event(kind, conference.account_sid, conference.sid, at, MappingProxyType(data))
        )
