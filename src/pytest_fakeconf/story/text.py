"""The story for a terminal: one line per entry, fake-clock times, long runs elided.

::

    The fake saw 3 requests, 5 events, 1 webhook, 0 alerts (times: the fake's clock, UTC).
    conference CF… 'Support' (in-progress) — 2026-12-02
      10:00:00 event participant-join alice (CA…)
      10:00:00 hook  webhook conference-status participant-join POST http://app/cb → 200
      10:00:00 req   POST /Conferences/Support/Participants.json Label=alice … → 201
      … 12 more …
    ! 10:00:05 req   POST /Conferences/CF…/Participants/CA….json Muted=true → 404 20404 …

A ``!`` marks what went wrong: an error answer, a webhook not answered 2xx, an alert.
The same entry repeated in the same second is one line, counted: ``(x50)``.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata

from .model import Entry, Source, Story, Thread

WIDTH = 120
MAX_LINES = 40  # per thread, elision included
MAX_THREADS = 12  # the most recent conferences and calls
_TAG: dict[Source, str] = {
    "event": "event",
    "webhook": "hook ",
    "alert": "alert",
    "request": "req  ",
}
_PLURAL: dict[Source, str] = {
    "request": "requests",
    "event": "events",
    "webhook": "webhooks",
    "alert": "alerts",
}
_ORDER: tuple[Source, ...] = ("request", "event", "webhook", "alert")


def render(
    story: Story, *, width: int = WIDTH, max_lines: int = MAX_LINES, max_threads: int = MAX_THREADS
) -> str:
    """The story as lines no wider than ``width``; each thread at most ``max_lines``
    lines (the middle elided), the last ``max_threads`` threads only."""
    width, max_lines, max_threads = max(width, 40), max(max_lines, 3), max(max_threads, 1)
    counts = ", ".join(_count(story.counts[s], s) for s in _ORDER)
    lines = [f"The fake saw {counts} (times: the fake's clock, UTC)."]
    dropped = [_count(story.dropped[s], s) for s in _ORDER if story.dropped.get(s)]
    if dropped:
        lines.append(f"Bounded journals let go of {', '.join(dropped)}: earlier entries dropped.")
    if story.empty:
        lines.append("Nothing happened on the fake: no request reached it.")
    threads = story.threads
    hidden = len(threads) - max_threads
    if hidden > 0:
        lines.append(f"… {hidden} earlier conference(s)/call(s) not shown …")
        threads = threads[hidden:]
    for thread in threads:
        lines += _thread(thread, max_lines)
    return "\n".join(_fit(line, width) for line in lines)


def _count(n: int, source: Source) -> str:
    return f"{n} {_PLURAL[source] if n != 1 else source}"


def _thread(thread: Thread, max_lines: int) -> list[str]:
    entries = thread.entries
    day = entries[0].at.date()
    lines = [f"{thread.title} — {day.isoformat()}"]
    body: list[str] = []
    repeats = 0  # the last line's repeats: the same entry again, in the same second
    for entry in entries:
        if entry.at.date() != day:
            day = entry.at.date()
            body.append(f"  — {day.isoformat()} —")
        line = _line(entry)
        if body and body[-1].startswith(line) and body[-1][len(line) :] in ("", f" (x{repeats})"):
            repeats += 1
            body[-1] = f"{line} (x{repeats})"
        else:
            repeats = 1
            body.append(line)
    if len(body) > max_lines:
        head = (max_lines - 1) // 2
        tail = max_lines - 1 - head
        body = [*body[:head], f"  … {len(body) - head - tail} more …", *body[-tail:]]
    return lines + body


def _line(entry: Entry) -> str:
    mark = "!" if entry.problem else " "
    return f"{mark} {_time(entry.at)} {_TAG[entry.source]} {entry.text}"


def _time(at: _dt.datetime) -> str:
    return at.astimezone(_dt.timezone.utc).strftime("%H:%M:%S")


def _fit(line: str, width: int) -> str:
    """Control and other invisible characters escaped (a name may hold a newline or an
    escape sequence), then cut to ``width`` with an ellipsis."""
    clean = "".join(
        ch if ch == " " or unicodedata.category(ch)[0] not in "CZ" else _escape(ch) for ch in line
    )
    return clean if len(clean) <= width else clean[: width - 1] + "…"


def _escape(ch: str) -> str:
    return ascii(ch)[1:-1]
