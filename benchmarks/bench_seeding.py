"""Server mode: bulk seeding (``POST /_fakeconf/history``) and the state page.

Prints the wall time of one request seeding 100,000 conferences end to end (the
request sent until the answer is read), and the time of ``GET /_fakeconf/state``
(its first page, and a page deep in the store) with 1,000 and with 100,000
conferences in the account: a page costs its own length, so the two should be close.

    python benchmarks/bench_seeding.py [COUNT]     # default 100000
    python benchmarks/bench_seeding.py --quick     # CI's smoke run: 10000
"""

from __future__ import annotations

import statistics
import sys
import time

import requests

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import FakeconfServer


def page_time(base: str, auth: tuple[str, str], params: dict[str, str]) -> float:
    """The median of 20 state pages, in milliseconds."""
    times = []
    for _ in range(20):
        started = time.perf_counter()
        answer = requests.get(f"{base}/_fakeconf/state", auth=auth, params=params, timeout=60)
        answer.raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(count: int) -> None:
    results = {}
    for size in (1_000, count):
        fake = FakeTwilio(seed="bench")
        with FakeconfServer(fake) as server:
            auth = (fake.account_sid, fake.auth_token)
            started = time.perf_counter()
            seeded = requests.post(
                f"{server.base_url}/_fakeconf/history", auth=auth, json={"count": size}, timeout=600
            )
            seconds = time.perf_counter() - started
            seeded.raise_for_status()
            first = requests.get(f"{server.base_url}/_fakeconf/state", auth=auth, timeout=60)
            token = first.json()["next_page_token"]
            results[size] = (
                seconds,
                page_time(server.base_url, auth, {}),
                page_time(server.base_url, auth, {"page_token": token, "page_size": "1000"}),
            )
        print(
            f"{size:>7} conferences: seeded in {results[size][0]:.2f} s; state page "
            f"{results[size][1]:.1f} ms (50), second page of 1000 {results[size][2]:.1f} ms"
        )
    ratio = results[count][1] / results[1_000][1]
    print(f"state page at {count} vs at 1000 conferences: x{ratio:.2f}")


if __name__ == "__main__":
    given = sys.argv[1] if len(sys.argv) > 1 else "100000"
    main(10_000 if given == "--quick" else int(given))
