"""Resources as Twilio serialises them: RFC 2822 dates, relative URIs, nulls."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..core.models import Conference

API_VERSION = "2010-04-01"
PREFIX = f"/{API_VERSION}"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(value: _dt.datetime | None) -> str | None:
    """``Fri, 18 Feb 2011 19:26:50 +0000`` for a UTC datetime (the core stores UTC)."""
    if value is None:
        return None
    return (
        f"{_DAYS[value.weekday()]}, {value.day:02d} {_MONTHS[value.month - 1]} {value.year:04d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d} +0000"
    )


def account_path(account_sid: str) -> str:
    return f"{PREFIX}/Accounts/{account_sid}"


def conference_path(account_sid: str, sid: str) -> str:
    return f"{PREFIX}/Accounts/{account_sid}/Conferences/{sid}"


def conference_json(c: Conference) -> dict[str, Any]:
    """Key order as in the OpenAPI document's fetch example."""
    base = conference_path(c.account_sid, c.sid)
    return {
        "account_sid": c.account_sid,
        "api_version": API_VERSION,
        "date_created": rfc2822(c.date_created),
        "date_updated": rfc2822(c.date_updated),
        "friendly_name": c.friendly_name,
        "sid": c.sid,
        "region": c.region,
        "status": c.status,
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
        "uri": f"{base}.json",
        "reason_conference_ended": c.reason_conference_ended,
        "call_sid_ending_conference": c.call_sid_ending_conference,
    }
