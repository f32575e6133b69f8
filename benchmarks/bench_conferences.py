"""Performance figures of pytest-fakeconf's Conference fake.

Run ``python benchmarks/bench_conferences.py`` (about a minute) or with
``--quick`` (a few seconds, smaller stores, fewer repeats: CI's proof that the
script still works). See ``benchmarks/README.md`` for what each figure means.

Machines are shared and noisy, so every timed figure is a *ratio* of two
measurements taken in the same run: the two sides are timed in alternating
batches (A B, B A, A B, ...), each batch runs the operation many times
(timeit-style, garbage collector off while timing), and the figure is
``median(A) / median(B)`` over the repeats. Targets are reported, never
asserted: the script exits 0 on MISS, non-zero only when something raises,
including the correctness checks that keep a broken fake from producing a fast,
meaningless number.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import dataclasses
import datetime as dt
import gc
import io
import json
import math
import pstats
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import requests
import responses
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

HOST = "https://api.twilio.com"
START = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
SPACING = dt.timedelta(seconds=30)  # one conference created every 30 s, oldest first
FIXTURE_SEED = "tests/test_rooms.py::test_room_is_listed"  # what the fixture seeds with


class BenchmarkError(RuntimeError):
    """A correctness check failed: the timing next to it would mean nothing."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchmarkError(message)


def noop() -> None:
    return None


# -- configuration ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Config:
    repeats: int  # alternating batches per side
    min_batch: float  # seconds one timed batch should last at least
    fetch_store: int  # conferences around the fetched one (figure 1)
    small_store: int  # figure 2 denominator
    small_init: int  # ... of which ``init`` (>= 51: a full page plus a next one)
    big_store: int  # figure 2 numerator
    big_init: int  # ... of which ``init`` (1 %)
    deep_store: int  # figure 3 store
    deep_page: int  # figure 3: the page reached by tokens (1-based)
    memory_sizes: tuple[int, int]  # figure 5
    history_count: int  # generate_history() timing, for reference
    page_size: int = 50


FULL = Config(
    repeats=21,
    min_batch=0.1,
    fetch_store=1_000,
    small_store=1_000,
    small_init=60,
    big_store=100_000,
    big_init=1_000,
    deep_store=20_000,
    deep_page=200,
    memory_sizes=(20_000, 100_000),
    history_count=100_000,
)

QUICK = Config(
    repeats=3,
    min_batch=0.01,
    fetch_store=100,
    small_store=1_000,
    small_init=60,
    big_store=10_000,
    big_init=100,
    deep_store=2_000,
    deep_page=20,
    memory_sizes=(2_000, 10_000),
    history_count=500,
)


# -- output -----------------------------------------------------------------------


def info(message: str) -> None:
    """Context lines start with ``#``; figure lines do not."""
    print(f"# {message}", flush=True)


def fmt_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.1f} us"


def figure(
    name: str,
    a_label: str,
    a_value: str,
    b_label: str,
    b_value: str,
    ratio: float,
    target: float | None,
) -> bool:
    """Print one figure line; True when it meets its target (or has none)."""
    if target is None:
        target_text, verdict = "target none", "n/a"
    else:
        target_text = f"target <= {target:.2f}"
        verdict = "PASS" if ratio <= target else "MISS"
    print(
        f"{name:<12} {a_label:>17} {a_value:>10}  {b_label:>17} {b_value:>10}  "
        f"ratio {ratio:5.2f}  {target_text:<14}  {verdict}",
        flush=True,
    )
    return target is None or ratio <= target


# -- timing -----------------------------------------------------------------------


@dataclasses.dataclass
class Side:
    """One side of a comparison.

    ``run`` is the timed operation (one call); ``validate`` checks the value of
    the last call of every batch; ``enter`` / ``leave`` run untimed around each
    batch (start a mock, clear a journal).
    """

    label: str
    run: Callable[[], Any]
    validate: Callable[[Any], None] = lambda _result: None
    enter: Callable[[], None] = noop
    leave: Callable[[], None] = noop


def timed_batch(side: Side, number: int) -> float:
    """Seconds per call of ``number`` back-to-back calls of ``side.run``."""
    side.enter()
    try:
        run = side.run
        result = None
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            begin = time.perf_counter()
            for _ in range(number):
                result = run()
            elapsed = time.perf_counter() - begin
        finally:
            if gc_was_enabled:
                gc.enable()
        side.validate(result)
    finally:
        side.leave()
    gc.collect()
    return elapsed / number


def calibrate(side: Side, min_batch: float) -> int:
    """Calls per batch so one batch lasts about ``min_batch`` seconds (warms up too)."""
    per_call = min(timed_batch(side, 3) for _ in range(2))
    return max(1, min(1_000_000, math.ceil(min_batch / max(per_call, 1e-9))))


@dataclasses.dataclass(frozen=True)
class Comparison:
    a: list[float]
    b: list[float]
    numbers: tuple[int, int]

    @property
    def median_a(self) -> float:
        return statistics.median(self.a)

    @property
    def median_b(self) -> float:
        return statistics.median(self.b)

    @property
    def ratio(self) -> float:
        return self.median_a / self.median_b

    @property
    def min_ratio(self) -> float:
        return min(self.a) / min(self.b)


def compare(a: Side, b: Side, config: Config) -> Comparison:
    numbers = (calibrate(a, config.min_batch), calibrate(b, config.min_batch))
    times_a: list[float] = []
    times_b: list[float] = []
    for repeat in range(config.repeats):
        sides = ((a, numbers[0], times_a), (b, numbers[1], times_b))
        if repeat % 2:
            sides = sides[::-1]
        for side, number, times in sides:
            times.append(timed_batch(side, number))
    return Comparison(times_a, times_b, numbers)


def report(name: str, a: Side, b: Side, result: Comparison, target: float | None) -> bool:
    ok = figure(
        name,
        a.label,
        fmt_time(result.median_a),
        b.label,
        fmt_time(result.median_b),
        result.ratio,
        target,
    )
    info(
        f"  {name}: {len(result.a)} alternating repeats of {result.numbers[0]} / "
        f"{result.numbers[1]} calls; ratio of the minima {result.min_ratio:.2f}"
    )
    return ok


def profile(side: Side, number: int, top: int = 15) -> None:
    """cProfile ``number`` calls of ``side`` and print the hottest functions."""
    side.enter()
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        for _ in range(number):
            side.run()
        profiler.disable()
    finally:
        side.leave()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    print(f"# --- profile of {side.label}: {number} calls, by own time ---")
    for line in out.getvalue().splitlines():
        if line.strip():
            print(f"#   {line}")


# -- the store --------------------------------------------------------------------


def auth_headers(fake: FakeTwilio) -> dict[str, str]:
    token = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def account_url(fake: FakeTwilio, tail: str) -> str:
    return f"{HOST}/2010-04-01/Accounts/{fake.account_sid}/{tail}"


@dataclasses.dataclass(frozen=True)
class Filled:
    sids: list[str]  # every stored conference, oldest first
    init_sids: list[str]  # the ``init`` ones, oldest first


def fill(fake: FakeTwilio, count: int, init_count: int) -> Filled:
    """Store ``count`` conferences straight into the backend, 30 s apart, oldest first.

    ``init_count`` of them (spread evenly) are ``init``, each with its own name
    (only one active conference per name); the others are ``completed`` under
    500 recurring names, as a real account's history would be.
    """
    backend = fake._backend
    create = backend.conferences.create
    account = fake.account_sid
    names = [f"team {n} meeting" for n in range(500)]
    step = max(1, count // init_count) if init_count else 0
    sids: list[str] = []
    init_sids: list[str] = []
    for i in range(count):
        when = START + SPACING * i
        if step and i % step == 0 and len(init_sids) < init_count:
            sid = create(account, f"init room {i}", status="init", date_created=when).sid
            init_sids.append(sid)
        else:
            sid = create(account, names[i % 500], status="completed", date_created=when).sid
        sids.append(sid)
    check(len(backend.conference_store(account)) == count, "the store lost conferences")
    return Filled(sids, init_sids)


def timed_fill(fake: FakeTwilio, count: int, init_count: int) -> Filled:
    begin = time.perf_counter()
    filled = fill(fake, count, init_count)
    elapsed = time.perf_counter() - begin
    info(
        f"filled {count:,} conferences ({init_count:,} init) in {elapsed:.2f} s "
        f"({elapsed / count * 1e6:.1f} us each, via fake._backend.conferences.create)"
    )
    return filled


def page_body(response: Any) -> dict[str, Any]:
    check(response.status == 200, f"list answered {response.status}: {response.body[:300]!r}")
    body = json.loads(response.body)
    check(isinstance(body, dict), "list body is not an object")
    return body


def check_no_crash(*fakes: FakeTwilio) -> None:
    for fake in fakes:
        check(not fake.crashes, "the fake crashed:\n" + "\n".join(fake.crashes))


# -- figure 1: fetch through the fake vs a canned responses stub ------------------


def figure_fetch(config: Config, args: argparse.Namespace) -> bool:
    fake = FakeTwilio(seed="bench-fetch")
    fill(fake, config.fetch_store, 0)
    room = fake.create_conference(
        "bench room", status="in-progress", region="ie1", date_created=START - SPACING
    )
    url = account_url(fake, f"Conferences/{room.sid}.json")
    answer = fake.answer("GET", url, auth_headers(fake))
    check(answer.status == 200, f"fetch answered {answer.status}")
    body = json.loads(answer.body)
    info(f"one conference as JSON (fetch body): {len(answer.body)} bytes")

    stub = responses.RequestsMock(assert_all_requests_are_fired=False)
    stub.add(responses.GET, url, json=body)
    client = Client(fake.account_sid, fake.auth_token)

    # Both doors serve the very same bytes to the very same client call.
    with fake:
        via_fake = requests.get(url, auth=(fake.account_sid, fake.auth_token), timeout=5)
    stub.start()  # not ``with stub``: its exit resets the registry, dropping the stub
    try:
        via_stub = requests.get(url, auth=(fake.account_sid, fake.auth_token), timeout=5)
    finally:
        stub.stop(allow_assert=False)
    check(via_fake.status_code == via_stub.status_code == 200, "fetch did not answer 200")
    check(via_fake.content == via_stub.content, "the stub's body differs from the fake's")

    def fetch() -> Any:
        return client.conferences(room.sid).fetch()

    def valid_instance(instance: Any) -> None:
        check(instance.sid == room.sid, f"fetched {instance.sid}, wanted {room.sid}")
        check(instance.friendly_name == "bench room", "wrong friendly_name")
        check(instance.status == "in-progress", f"wrong status {instance.status}")
        check(instance.date_created == START - SPACING, "wrong date_created")

    def valid_via_fake(instance: Any) -> None:
        valid_instance(instance)
        check(bool(fake._journal), "the fake answered no request: the stub did?")
        last = fake._journal[-1]
        check(last.status_code == 200 and last.path.endswith(f"{room.sid}.json"), "bad answer")

    def valid_via_stub(instance: Any) -> None:
        valid_instance(instance)
        check(len(stub.calls) > 0, "the stub answered no request")

    def leave_fake() -> None:
        fake.stop()
        fake._journal.clear()

    def leave_stub() -> None:
        stub.stop(allow_assert=False)
        stub.calls.reset()

    a = Side("fake", fetch, valid_via_fake, fake.start, leave_fake)
    b = Side("stub", fetch, valid_via_stub, stub.start, leave_stub)
    result = compare(a, b, config)
    check_no_crash(fake)
    ok = report("1-fetch", a, b, result, 1.3)
    if args.profile:
        profile(a, result.numbers[0])
    return ok


# -- figure 2: a rare-status page at 100,000 vs 1,000 stored -----------------------


def page_side(label: str, fake: FakeTwilio, filled: Filled, page_size: int) -> Side:
    url = account_url(fake, f"Conferences.json?Status=init&PageSize={page_size}")
    headers = auth_headers(fake)
    expected = filled.init_sids[::-1][:page_size]
    check(len(expected) == page_size, f"{label}: fewer than {page_size} init conferences")

    def run() -> Any:
        return fake.answer("GET", url, headers)

    def validate(response: Any) -> None:
        body = page_body(response)
        items = body["conferences"]
        check(len(items) == page_size, f"{label}: {len(items)} items, wanted {page_size}")
        check(all(c["status"] == "init" for c in items), f"{label}: a non-init item")
        check([c["sid"] for c in items] == expected, f"{label}: not the newest init rooms")
        check(body["next_page_uri"] is not None, f"{label}: no next page")
        check(body["page"] == 0 and body["page_size"] == page_size, f"{label}: bad meta")

    validate(run())
    return Side(label, run, validate, noop, fake._journal.clear)


def figure_filtered_page(config: Config, args: argparse.Namespace) -> bool:
    small = FakeTwilio(seed="bench-small")
    big = FakeTwilio(seed="bench-big")
    small_filled = timed_fill(small, config.small_store, config.small_init)
    big_filled = timed_fill(big, config.big_store, config.big_init)
    b = page_side(f"{config.small_store // 1000}k", small, small_filled, config.page_size)
    a = page_side(f"{config.big_store // 1000}k", big, big_filled, config.page_size)
    result = compare(a, b, config)
    check_no_crash(small, big)
    ok = report("2-rare-page", a, b, result, 1.5)
    if args.profile:
        profile(a, result.numbers[0])
    return ok


# -- figure 3: the 200th page by tokens vs the first -------------------------------


def figure_deep_page(config: Config, args: argparse.Namespace) -> bool:
    fake = FakeTwilio(seed="bench-deep")
    # All completed, and asked for explicitly: the figure must not depend on
    # which status an unfiltered list defaults to.
    filled = timed_fill(fake, config.deep_store, 0)
    size = config.page_size
    check(config.deep_store > config.deep_page * size, "store too small for the deep page")
    newest_first = filled.sids[::-1]
    headers = auth_headers(fake)
    first_url = account_url(fake, f"Conferences.json?Status=completed&PageSize={size}")

    begin = time.perf_counter()
    url = first_url
    for _ in range(config.deep_page - 1):
        body = page_body(fake.answer("GET", url, headers))
        check(body["next_page_uri"] is not None, f"page {body['page']} has no next page")
        url = HOST + body["next_page_uri"]
    walk = time.perf_counter() - begin
    fake._journal.clear()
    deep_url = url
    info(
        f"followed next_page_uri {config.deep_page - 1} times in {walk:.2f} s; "
        f"page {config.deep_page} is {deep_url.removeprefix(HOST)}"
    )

    def side(label: str, url: str, number: int) -> Side:
        def run() -> Any:
            return fake.answer("GET", url, headers)

        def validate(response: Any) -> None:
            body = page_body(response)
            items = [c["sid"] for c in body["conferences"]]
            check(body["page"] == number, f"{label}: page {body['page']}, wanted {number}")
            check(body["start"] == number * size, f"{label}: start {body['start']}")
            check(items == newest_first[number * size : (number + 1) * size], f"{label}: items")
            check(body["next_page_uri"] is not None, f"{label}: no next page")
            check(
                all(c["status"] == "completed" for c in body["conferences"]),
                f"{label}: an item that is not completed",
            )

        validate(run())
        return Side(label, run, validate, noop, fake._journal.clear)

    a = side(f"page {config.deep_page}", deep_url, config.deep_page - 1)
    b = side("page 1", first_url, 0)
    result = compare(a, b, config)
    check_no_crash(fake)
    ok = report("3-deep-page", a, b, result, 1.5)
    if args.profile:
        profile(a, result.numbers[0])
    return ok


# -- figure 4: fixture setup + teardown vs a bare RequestsMock ----------------------


def figure_fixture(config: Config, args: argparse.Namespace) -> bool:
    def fixture_cycle() -> FakeTwilio:
        fake = FakeTwilio(seed=FIXTURE_SEED)  # what the fakeconf fixture does
        fake.start()
        fake.stop()
        return fake

    def bare_cycle() -> responses.RequestsMock:
        mock = responses.RequestsMock()
        mock.start()
        mock.stop()
        return mock

    # A started fake really intercepts (a no-op start() would be fast and wrong).
    probe = FakeTwilio(seed=FIXTURE_SEED)
    with probe:
        answer = requests.get(account_url(probe, "Conferences.json"), timeout=5)
    check(answer.status_code == 401, f"unauthenticated list answered {answer.status_code}")
    check(answer.json().get("code") == 20003, "the 401 is not Twilio's 20003")
    check(len(probe.requests) == 1, "the started fake did not record the request")

    def valid_fake(fake: FakeTwilio) -> None:
        check(not fake.started, "the fake is still started")
        check(fake.account_sid == probe.account_sid, "the seed did not fix the account SID")

    a = Side("fixture", fixture_cycle, valid_fake)
    b = Side("bare", bare_cycle)
    result = compare(a, b, config)
    ok = report("4-fixture", a, b, result, None)
    if args.profile:
        profile(a, result.numbers[0])
    return ok


# -- figure 5: bytes per stored conference ------------------------------------------


def stored_bytes(count: int) -> float:
    fake = FakeTwilio(seed=f"bench-memory-{count}")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fill(fake, count, count // 100)  # result dropped: only the store stays
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    check(len(fake._backend.conference_store(fake.account_sid)) == count, "store lost conferences")
    return (after - before) / count


def figure_memory(config: Config, args: argparse.Namespace) -> bool:
    small, big = config.memory_sizes
    small_bytes = stored_bytes(small)
    big_bytes = stored_bytes(big)
    return figure(
        "5-memory",
        f"B/conf N={small:,}",
        f"{small_bytes:.0f} B",
        f"B/conf N={big:,}",
        f"{big_bytes:.0f} B",
        big_bytes / small_bytes,
        None,
    )


# -- for reference: generate_history ----------------------------------------------


def history_timing(config: Config) -> None:
    fake = FakeTwilio(seed="bench-history")
    count = config.history_count
    begin = time.perf_counter()
    rooms = fake.generate_history(count, start=START, end=START + dt.timedelta(days=365))
    elapsed = time.perf_counter() - begin
    check(len(rooms) == count, "generate_history returned the wrong count")
    info(
        f"generate_history({count:,}) took {elapsed:.2f} s "
        f"({elapsed / count * 1e6:.1f} us each, Faker import included)"
    )


# -- main -------------------------------------------------------------------------

FIGURES: dict[str, Callable[[Config, argparse.Namespace], bool]] = {
    "fetch": figure_fetch,
    "rare-page": figure_filtered_page,
    "deep-page": figure_deep_page,
    "fixture": figure_fixture,
    "memory": figure_memory,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run (CI)")
    parser.add_argument("--repeats", type=int, help="alternating batches per side")
    parser.add_argument(
        "--only", choices=sorted(FIGURES), action="append", help="run only this figure"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the fake's side of each timed figure"
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    if args.repeats is not None:
        check(args.repeats >= 1, "--repeats must be at least 1")
        config = dataclasses.replace(config, repeats=args.repeats)

    began = time.perf_counter()
    info(
        f"pytest-fakeconf benchmarks ({'quick' if args.quick else 'full'}): "
        f"python {sys.version.split()[0]}, {config.repeats} repeats, "
        f">= {config.min_batch:g} s per batch; ratio = median(A) / median(B)"
    )
    misses = 0
    for name, run in FIGURES.items():
        if args.only and name not in args.only:
            continue
        if not run(config, args):
            misses += 1
    if not args.only:
        history_timing(config)
    info(
        f"done in {time.perf_counter() - began:.1f} s; {misses} target(s) missed "
        "(reported, not asserted)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
