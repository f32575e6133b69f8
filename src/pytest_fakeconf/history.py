"""A realistic, seeded history of conferences for paging and reporting tests."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Sequence

from .core.backend import Backend
from .core.clock import as_utc
from .core.conference_store import Conference
from .core.sids import seed_to_int
from .core.vocabulary import ConferenceStatus, EndReason, Region

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
_WEIGHTS = tuple(_REASON_WEIGHT.values())
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
    created: list[Conference] = []
    for offset in offsets:
        when = start + _dt.timedelta(seconds=offset)
        name = rng.choice(names)
        live = (
            end - when < _LIVE_WINDOW
            and backend.conference_store(account_sid).active_named(name) is None
        )
        if live:
            status = rng.choice(_LIVE_STATUSES)
            conference = backend.conferences.create(
                account_sid, name, status=status, region=rng.choice(_REGIONS), date_created=when
            )
        else:
            conference = _completed(backend, account_sid, name, when, end, rng)
        created.append(conference)
    return created


def _completed(
    backend: Backend,
    account_sid: str,
    name: str,
    when: _dt.datetime,
    horizon: _dt.datetime,
    rng: random.Random,
) -> Conference:
    return backend.conferences.create_ended(
        account_sid,
        name,
        region=rng.choice(_REGIONS),
        date_created=when,
        reason=rng.choices(_REASONS, weights=_WEIGHTS)[0],
        ended_at=min(horizon, when + _dt.timedelta(seconds=rng.randint(60, 90 * 60))),
    )


def _names(rng: random.Random, count: int) -> Sequence[str]:
    from faker import Faker  # imported lazily: Faker is slow to load

    faker = Faker()
    faker.seed_instance(rng.getrandbits(32))
    return [f"{faker.company()} {rng.choice(_MEETINGS)}"[:128] for _ in range(count)]
