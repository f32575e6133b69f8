"""Performance figures of the Calls resource: a ``calls.list`` page (unfiltered, and
filtered by a rare status) at 100,000 stored calls against the same page at 1,000,
measured in the same run (see ``benchmarks/README.md``). Run with ``--quick`` for CI."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from typing import Any

from bench_conferences import (
    FULL,
    QUICK,
    Config,
    Side,
    account_url,
    auth_headers,
    check,
    check_no_crash,
    compare,
    info,
    noop,
    page_body,
    report,
)

from pytest_fakeconf import FakeTwilio

RARE = 100  # one call in RARE ends busy


def fill(fake: FakeTwilio, count: int) -> tuple[list[str], list[str]]:
    """``count`` ended calls through the core's call operations: every RARE-th busy,
    the others completed. Returns (all SIDs, busy SIDs), oldest first."""
    backend = fake._backend
    calls = backend.calls
    sids: list[str] = []
    busy: list[str] = []
    began = time.perf_counter()
    for n in range(count):
        call = calls.create(
            fake.account_sid,
            to=f"+1555{n % 10_000_000:07d}",
            from_="+15017122661",
            direction="outbound-api",
            url="https://app.example/voice",
        )
        status = "busy" if n % RARE == 0 else "completed"
        calls.finish(call, status, call.date_created)
        sids.append(call.sid)
        if status == "busy":
            busy.append(call.sid)
    backend.events._events.clear()  # the log is not what is measured
    info(f"filled {count:,} calls in {time.perf_counter() - began:.2f} s")
    return sids, busy


def page_side(label: str, fake: FakeTwilio, query: str, expected: list[str]) -> Side:
    url = account_url(fake, f"Calls.json?{query}")
    headers = auth_headers(fake)

    def run() -> Any:
        return fake.answer("GET", url, headers)

    def validate(response: Any) -> None:
        body = page_body(response)
        got = [c["sid"] for c in body["calls"]]
        check(got == expected, f"{label}: not the newest {len(expected)} calls")
        check(body["next_page_uri"] is not None, f"{label}: no next page")

    validate(run())
    return Side(label, run, validate, noop, fake._journal.clear)


def figure_calls_page(config: Config, args: argparse.Namespace) -> bool:
    small, big = FakeTwilio(seed="bench-calls-small"), FakeTwilio(seed="bench-calls-big")
    small_sids, small_busy = fill(small, config.small_store)
    big_sids, big_busy = fill(big, config.big_store)
    size = config.page_size
    ok = True
    for name, query, pick in (
        ("1-calls-page", f"PageSize={size}", lambda sids, busy: sids),
        ("2-calls-rare-status-page", "Status=busy&PageSize=5", lambda sids, busy: busy),
    ):
        count = size if name == "1-calls-page" else 5
        b = page_side(
            f"{config.small_store // 1000}k",
            small,
            query,
            pick(small_sids, small_busy)[::-1][:count],
        )
        a = page_side(
            f"{config.big_store // 1000}k", big, query, pick(big_sids, big_busy)[::-1][:count]
        )
        result = compare(a, b, config)
        ok &= report(name, a, b, result, 1.5)
    check_no_crash(small, big)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run (CI)")
    parser.add_argument("--repeats", type=int, help="alternating batches per side")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    if args.repeats is not None:
        check(args.repeats >= 1, "--repeats must be at least 1")
        config = dataclasses.replace(config, repeats=args.repeats)
    info(f"pytest-fakeconf calls benchmarks ({'quick' if args.quick else 'full'})")
    misses = 0 if figure_calls_page(config, args) else 1
    info(f"{misses} figure(s) missed their target (reported, not asserted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
