"""Resources as Twilio serialises them: RFC 2822 dates, relative URIs, nulls."""

from __future__ import annotations

from typing import Any

from ..core.call_store import Call
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


def wire_region(c: Conference) -> str:
    """``"unknown"`` while the conference is ``init``, as the OpenAPI example
    ``fetchUnknownMixerZoneInitIntegerStatus`` shows (FIDELITY: F40)."""
    return "unknown" if c.status == "init" else c.region


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
        "region": wire_region(c),
        "status": c.status,
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
        "uri": f"{base}.json",
        "reason_conference_ended": c.reason_conference_ended,
        "call_sid_ending_conference": c.call_sid_ending_conference,
    }


# A list item's key order, as in every ``ListConference`` example (FIDELITY: F41).
_LIST_ITEM_ORDER = (
    "status", "region", "sid", "date_updated", "date_created", "subresource_uris",
    "friendly_name", "uri", "api_version", "account_sid", "reason_conference_ended",
    "call_sid_ending_conference",
)  # fmt: skip


def conference_list_item_json(c: Conference) -> dict[str, Any]:
    """A conference as a list item: the fetch's fields in the list examples' order."""
    fetched = conference_json(c)
    return {key: fetched[key] for key in _LIST_ITEM_ORDER}


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
        "call_sid": r.call_sid,  # who started it (FIDELITY: F21)
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


def recording_list_item_json(r: Recording) -> dict[str, Any]:
    """A recording as an item of the conference's list: its ``uri`` is the list's, as
    in the only ``ListConferenceRecording`` example (FIDELITY: F42)."""
    item = recording_json(r)
    item["uri"] = f"{conference_path(r.account_sid, r.conference_sid)}/Recordings.json"
    return item


def call_path(account_sid: str, sid: str) -> str:
    return f"{PREFIX}/Accounts/{account_sid}/Calls/{sid}"


# The call's sub-resources, in the order of the OpenAPI fetch example (§1.1).
_CALL_SUBRESOURCES = (
    ("notifications", "Notifications"),
    ("recordings", "Recordings"),
    ("payments", "Payments"),
    ("events", "Events"),
    ("siprec", "Siprec"),
    ("streams", "Streams"),
    ("transcriptions", "Transcriptions"),
    ("user_defined_message_subscriptions", "UserDefinedMessageSubscriptions"),
    ("user_defined_messages", "UserDefinedMessages"),
)
# "wait time in milliseconds before the call is placed" (§1.2): the fake places at once.
# Twilio's examples all say "1000"; "0" is a guess (FIDELITY: F32).
QUEUE_TIME = "0"


def formatted(number: str) -> str:
    """``to_formatted`` / ``from_formatted``: "(415) 867-5309" for a NANP number;
    anything else as given ("non-NANP numbers stay E.164", §1.2)."""
    if len(number) == 12 and number.startswith("+1") and number[2:].isdigit():
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


def call_json(c: Call) -> dict[str, Any]:
    """Key order as in the OpenAPI document's examples: alphabetical, ``queue_time``
    last (§1.2). ``price`` is null ("May not be immediately available"), ``price_unit``
    ``USD`` even then (the 2016 capture, §1.4); ``duration`` a string, once completed."""
    base = call_path(c.account_sid, c.sid)
    duration = c.duration
    return {
        "account_sid": c.account_sid,
        "answered_by": c.answered_by,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": rfc2822(c.date_created),
        "date_updated": rfc2822(c.date_updated),
        "direction": c.direction,
        "duration": None if duration is None else str(duration),
        "end_time": rfc2822(c.end_time),
        "forwarded_from": None,
        "from": c.from_,
        "from_formatted": formatted(c.from_),
        "group_sid": None,
        "parent_call_sid": c.parent_call_sid,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "sid": c.sid,
        "start_time": rfc2822(c.start_time),
        "status": c.status,
        "subresource_uris": {key: f"{base}/{name}.json" for key, name in _CALL_SUBRESOURCES},
        "to": c.to,
        "to_formatted": formatted(c.to),
        "trunk_sid": None,
        "uri": f"{base}.json",
        "queue_time": QUEUE_TIME,
    }


def account_recording_json(r: Recording) -> dict[str, Any]:
    """A recording as ``/Accounts/{AC}/Recordings`` serves it (§7): the conference
    recording's fields in the account schema's order, plus ``subresource_uris`` and
    ``media_url`` (no extension)."""
    base = f"{account_path(r.account_sid)}/Recordings/{r.sid}"
    return {
        "account_sid": r.account_sid,
        "api_version": API_VERSION,
        "call_sid": r.call_sid,  # FIDELITY: F21
        "conference_sid": r.conference_sid,
        "date_created": rfc2822(r.date_created),
        "date_updated": rfc2822(r.date_updated),
        "start_time": rfc2822(r.start_time),
        "duration": None if r.duration is None else str(r.duration),
        "sid": r.sid,
        "price": r.price,
        "price_unit": r.price_unit,
        "status": r.status,
        "channels": r.channels,
        "source": r.source,
        "error_code": r.error_code,
        "uri": f"{base}.json",
        "encryption_details": None,
        "subresource_uris": {
            "add_on_results": f"{base}/AddOnResults.json",
            "transcriptions": f"{base}/Transcriptions.json",
        },
        "media_url": f"https://api.twilio.com{base}",
    }
