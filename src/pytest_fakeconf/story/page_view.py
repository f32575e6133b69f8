"""The story as the live page draws it: per conference, each participant as bars over
time (joined, muted, held, coaching), the recordings, the story's lines; the calls
outside conferences; the alerts. Times are ISO 8601 on the fake's clock.

Bounded: the most recent ``conferences`` conferences and calls, the last ``entries``
lines of each thread, the last ``entries`` alerts.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .model import Entry, Thread, build

if TYPE_CHECKING:
    from ..core.events import Event
    from ..fake import FakeTwilio
    from ..handles import CallHandle, ConferenceHandle

ENTRIES = 100
TAIL = 2_000  # the newest entries of each journal the page's story is told from
_FLAGS = ("muted", "hold", "coaching")
_STATE_CHANGES = (
    "participant-mute", "participant-unmute", "participant-hold", "participant-unhold",
    "participant-modify",
)  # fmt: skip
_BAR_KINDS = ("participant-join", "participant-leave", *_STATE_CHANGES)


def page_story(
    fake: FakeTwilio,
    rooms: Sequence[ConferenceHandle],
    calls: Sequence[CallHandle],
    *,
    entries: int = ENTRIES,
) -> dict[str, Any]:
    """What the page shows of ``rooms`` and ``calls`` (newest first), as JSON-ready data."""
    story = build(fake, tail=TAIL)
    threads = {thread.sid: thread for thread in story.threads}
    by_room: dict[str, list[Event]] = {room.sid: [] for room in rooms}
    for event in fake.events[-TAIL:]:
        if event.conference_sid in by_room:
            by_room[event.conference_sid].append(event)
    return {
        "account_sid": story.account_sid,
        "now": _iso(story.now),
        "counts": dict(story.counts),
        "dropped": dict(story.dropped),
        "conferences": [
            {
                "sid": room.sid,
                "friendly_name": room.friendly_name,
                "status": room.status,
                "start": _iso(room.date_created),
                "end": _iso(room.date_updated) if room.status == "completed" else None,
                "reason": room.reason_conference_ended,
                "participants": _participants(by_room[room.sid]),
                "recordings": _recordings(by_room[room.sid]),
                "lines": _lines(threads.get(room.sid), entries),
            }
            for room in rooms
        ],
        "calls": [
            {
                "sid": call.sid,
                "from": call.from_,
                "to": call.to,
                "status": call.status,
                "direction": call.direction,
                "start": _iso(call.start_time or call.date_created),
                "end": _iso(call.end_time) if call.end_time else None,
                "lines": _lines(threads.get(call.sid), entries),
            }
            for call in calls
        ],
        "alerts": [alert.as_dict() for alert in reversed(fake.alerts[-entries:])],
    }


def _participants(events: Iterable[Event]) -> list[dict[str, Any]]:
    """One bar per call: segments of constant state from join to leave (open: no end)."""
    bars: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.kind not in _BAR_KINDS:
            continue
        data = event.data
        call_sid, at = str(data.get("call_sid")), _iso(event.at)
        bar = bars.get(call_sid)
        if event.kind == "participant-join":
            bars[call_sid] = {
                "call_sid": call_sid,
                "label": data.get("label"),
                "left": None,
                "segments": [_segment(at, data)],
            }
        elif bar is not None:  # None: its join was dropped from a bounded journal
            bar["segments"][-1]["end"] = at
            if event.kind == "participant-leave":
                bar["left"] = data.get("reason_participant_left") or "left"
            else:
                bar["segments"].append(_segment(at, data))
    return list(bars.values())


def _segment(at: str, data: Any) -> dict[str, Any]:
    return {"start": at, "end": None, **{flag: data.get(flag) is True for flag in _FLAGS}}


def _recordings(events: Iterable[Event]) -> list[dict[str, Any]]:
    """Each recording's stretches: recording (in progress) or paused, until it stops."""
    out: dict[str, dict[str, Any]] = {}
    for event in events:
        sid = event.data.get("recording_sid")
        if not isinstance(sid, str):
            continue
        at = _iso(event.at)
        recording = out.setdefault(sid, {"sid": sid, "status": "", "segments": []})
        recording["status"] = event.kind.removeprefix("recording-")
        segments = recording["segments"]
        if segments and segments[-1]["end"] is None:
            segments[-1]["end"] = at
        if event.kind == "recording-in-progress":
            segments.append({"start": at, "end": None, "paused": False})
        elif event.kind == "recording-paused":
            segments.append({"start": at, "end": None, "paused": True})
    return list(out.values())


def _lines(thread: Thread | None, entries: int) -> list[dict[str, Any]]:
    chosen: tuple[Entry, ...] = () if thread is None else thread.entries[-entries:]
    return [
        {"at": _iso(e.at), "source": e.source, "text": e.text, "problem": e.problem} for e in chosen
    ]


def _iso(at: _dt.datetime) -> str:
    return at.isoformat()
