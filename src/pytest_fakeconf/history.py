"""A realistic, seeded history of conferences for paging and reporting tests."""

from __future__ import annotations

import datetime as _dt
import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate

from .core.backend import Backend
from .core.clock import as_utc
from .core.conference_store import Conference
from .core.sids import seed_to_int
from .core.vocabulary import VIA_API, ConferenceStatus, EndReason, Region

_MEETINGS = (
    "standup", "sync", "all-hands", "support bridge", "sales call", "interview",
    "retro", "planning", "incident bridge", "customer onboarding", "1:1", "demo",
)  # fmt: skip
# Most conferences end because the last person hung up; few are ended by the API.
_REASON_WEIGHT: dict[EndReason, int] = {
    "conference-ended-via-api": 1,
    "participant-with-end-conference-on-exit-left": 3,
    "participant-with-end-conference-on-exit-kicked": 1,
    "last-participant-left": 10,
    "last-participant-kicked": 1,
}
_REASONS = tuple(_REASON_WEIGHT)
_CUMULATIVE = tuple(accumulate(_REASON_WEIGHT.values()))
_TOTAL = float(_CUMULATIVE[-1])
_REGIONS: tuple[Region, ...] = ("us1", "us1", "us1", "us2", "ie1", "de1", "sg1", "au1")
_LIVE_STATUSES: tuple[ConferenceStatus, ...] = ("init", "in-progress", "in-progress")
_LIVE_WINDOW = _dt.timedelta(hours=2)


def generate_history(
    backend: Backend,
    account_sid: str,
    count: int,
    *,
    start: _dt.datetime,
    end: _dt.datetime,
    seed: int | str,
) -> list[Conference]:
    """Create ``count`` conferences with creation times spread over ``[start, end]``.

    Conferences created within two hours of ``end`` may still be live (``init``
    or ``in-progress``, one per friendly name); older ones are completed, each
    with an end time after its start and one of Twilio's five end reasons,
    weighted as they occur in practice. The same seed gives the same history.

    The completed ones (nearly all of a long history) are built here and added to
    the store at once, as ``Conferences.create_ended`` would make them (no events, no
    callbacks: they happened before the test): 100,000 take about two seconds.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be a non-negative int, got {count!r}")
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if start > end:
        raise ValueError(f"start ({start}) is after end ({end})")
    rng = random.Random(seed_to_int(seed))
    names = _names(rng, max(1, min(count, 64)))
    span = int((end - start).total_seconds())
    offsets = sorted(rng.randint(0, span) for _ in range(count))
    store = backend.conference_store(account_sid)
    live_from = end - _LIVE_WINDOW
    base = int(start.timestamp())
    created: list[Conference] = []
    completed: list[Conference] = []  # added at once at the end: one sort per index
    for offset in offsets:
        when = start + _dt.timedelta(seconds=offset)
        name = rng.choice(names)
        if when > live_from and store.active_named(name) is None:
            status = rng.choice(_LIVE_STATUSES)
            conference = backend.conferences.create(
                account_sid, name, status=status, region=rng.choice(_REGIONS), date_created=when
            )
        else:
            conference = _completed(backend, account_sid, name, when, base + offset, end, rng)
            completed.append(conference)
        created.append(conference)
    store.add_completed(completed)
    return created


def _completed(
    backend: Backend,
    account_sid: str,
    name: str,
    when: _dt.datetime,
    epoch: int,
    horizon: _dt.datetime,
    rng: random.Random,
) -> Conference:
    """A completed conference, drawn as ``create_ended`` would make it (same SIDs)."""
    region = rng.choice(_REGIONS)
    sid = backend.sids.sid("CF")
    # rng.choices(_REASONS, weights=_WEIGHTS)[0], without rebuilding the weights each time
    reason = _REASONS[bisect(_CUMULATIVE, rng.random() * _TOTAL, 0, len(_REASONS) - 1)]
    ended = min(horizon, when + _dt.timedelta(seconds=rng.randint(60, 90 * 60)))
    return Conference(
        account_sid=account_sid,
        sid=sid,
        friendly_name=name,
        region=region,
        status="completed",
        date_created=when,
        date_updated=ended,
        key=(epoch, backend.next_seq()),
        reason_conference_ended=reason,
        call_sid_ending_conference=None if reason == VIA_API else backend.sids.sid("CA"),
    )


def _names(rng: random.Random, count: int) -> Sequence[str]:
    from faker import Faker  # imported lazily: Faker is slow to load

    faker = Faker()
    faker.seed_instance(rng.getrandbits(32))
    return [f"{faker.company()} {rng.choice(_MEETINGS)}"[:128] for _ in range(count)]
