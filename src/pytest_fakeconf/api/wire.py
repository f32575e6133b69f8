"""Resources as Twilio serialises them: RFC 2822 dates, relative URIs, nulls."""

from __future__ import annotations

from typing import Any

from ..core.conference_store import Conference
from ..core.participant_store import Participant
from ..core.recording_store import Recording
from ..formats import API_VERSION as API_VERSION
from ..formats import rfc2822 as rfc2822

PREFIX = f"/{API_VERSION}"


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


def participant_json(p: Participant, queue_time: str | None = None) -> dict[str, Any]:
    """Key order as in the OpenAPI document's examples. ``queue_time`` is only
    "available in the response to a create participant request"."""
    return {
        "account_sid": p.account_sid,
        "call_sid": p.call_sid,
        "label": p.label,
        "conference_sid": p.conference_sid,
        "date_created": rfc2822(p.date_created),
        "date_updated": rfc2822(p.date_updated),
        "end_conference_on_exit": p.end_conference_on_exit,
        "muted": p.muted,
        "hold": p.hold,
        "status": p.status,
        "start_conference_on_enter": p.start_conference_on_enter,
        "coaching": p.coaching,
        "call_sid_to_coach": p.call_sid_to_coach,
        "queue_time": queue_time,
        # Built from the call SID even when the participant was asked for by label.
        "uri": f"{conference_path(p.account_sid, p.conference_sid)}/Participants/{p.call_sid}.json",
    }


def recording_json(r: Recording) -> dict[str, Any]:
    """Key order as in the OpenAPI document's examples; price and duration are
    null until the recording completed (the ``update`` example while paused)."""
    return {
        "account_sid": r.account_sid,
        "api_version": API_VERSION,
        "call_sid": None,  # a recording of the whole conference, not of one call leg
        "conference_sid": r.conference_sid,
        "channels": r.channels,
        "date_created": rfc2822(r.date_created),
        "date_updated": rfc2822(r.date_updated),
        "start_time": rfc2822(r.start_time),
        "price": r.price,
        "price_unit": r.price_unit,
        "duration": None if r.duration is None else str(r.duration),
        "sid": r.sid,
        "source": r.source,
        "status": r.status,
        "error_code": r.error_code,
        "encryption_details": None,
        "uri": f"{conference_path(r.account_sid, r.conference_sid)}/Recordings/{r.sid}.json",
    }
