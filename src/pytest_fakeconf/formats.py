"""Formats both Twilio doors speak: the REST API's answers (``api/``) and the requests
Twilio sends an app (``webhooks/``). Neutral ground, so neither imports the other."""

from __future__ import annotations

import datetime as _dt

API_VERSION = "2010-04-01"

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
