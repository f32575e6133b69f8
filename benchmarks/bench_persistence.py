"""What ``fakeconf serve --data`` costs: write throughput through the server's WSGI app
with the SQLite store behind it vs in memory, and the restart (load) time of a store
holding 100,000 conferences vs building them in memory (see ``benchmarks/README.md``).
Run with ``--quick`` for CI."""

from __future__ import annotations

import argparse
import base64
import dataclasses
import io
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench_conferences import (
    BenchmarkError,
    Side,
    check,
    check_no_crash,
    compare,
    figure,
    fmt_time,
    info,
    report,
)

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server.app import ServerApp
from pytest_fakeconf.server.durable.store import DurableApp, DurableStore

CALLER = "+15017122661"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclasses.dataclass(frozen=True)
class Config:
    repeats: int  # alternating batches per side (write figure)
    min_batch: float  # seconds one write batch should last at least
    stored: int  # conferences in the store a restart loads
    load_repeats: int  # alternating loads / in-memory builds


FULL = Config(repeats=11, min_batch=0.2, stored=100_000, load_repeats=3)
QUICK = Config(repeats=3, min_batch=0.02, stored=5_000, load_repeats=1)


# -- figure 1: conference create + participant add, per request --------------------------


class Writer:
    """POSTs a participant to a new conference (by friendly name: Twilio creates the
    conference with its first participant) straight into a WSGI app."""

    def __init__(self, fake: FakeTwilio, app: WsgiApp) -> None:
        self.app = app
        token = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
        self.auth = f"Basic {token}"
        self.path = f"/2010-04-01/Accounts/{fake.account_sid}/Conferences/{{}}/Participants.json"
        self.body = f"From=%2B{CALLER[1:]}&To=%2B15005550006".encode()
        self.names = itertools.count()
        self.status = ""

    def __call__(self) -> dict[str, Any]:
        path = self.path.format(f"room-{next(self.names)}")
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "REQUEST_URI": path,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8080",
            "HTTP_HOST": "127.0.0.1:8080",
            "HTTP_AUTHORIZATION": self.auth,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(self.body)),
            "wsgi.input": io.BytesIO(self.body),
            "wsgi.url_scheme": "http",
        }
        chunks = self.app(environ, self._start)
        return {"status": self.status, "body": json.loads(b"".join(chunks))}

    def _start(self, status: str, headers: list[tuple[str, str]]) -> None:
        self.status = status


def validate_created(result: dict[str, Any]) -> None:
    check(result["status"].startswith("201"), f"participant create answered {result}")
    check(result["body"]["conference_sid"].startswith("CF"), f"no conference: {result}")


def figure_writes(config: Config, folder: Path) -> bool:
    memory_fake = FakeTwilio(seed="bench-writes")
    memory = Writer(memory_fake, ServerApp(memory_fake))
    durable_fake = FakeTwilio(seed="bench-writes")
    served = ServerApp(durable_fake)
    store = DurableStore(folder / "writes.db", durable_fake)
    durable = Writer(durable_fake, DurableApp(served, store, served.lock))
    try:
        result = compare(
            Side("--data (SQLite)", durable, validate_created),
            Side("in memory", memory, validate_created),
            config,  # type: ignore[arg-type]  # has the repeats and min_batch compare reads
        )
        # Every acknowledged write is in the file: a fresh fake loads all of them.
        written = next(durable.names)
        store.close()
        reloaded = DurableStore(folder / "writes.db", FakeTwilio(seed="bench-writes"))
        check(reloaded.loaded == written, f"{reloaded.loaded} of {written} written")
        reloaded.close()
    finally:
        check_no_crash(memory_fake, durable_fake)
    ok = report(
        "write",
        Side("--data (SQLite)", durable),
        Side("in memory", memory),
        result,
        None,
    )
    per_second = 1 / result.median_a
    info(f"  write: {per_second:,.0f} conference+participant requests/s with --data")
    return ok


# -- figure 2: a restart loads the store --------------------------------------------------


def figure_restart(config: Config, folder: Path) -> bool:
    path = folder / "restart.db"
    fake = FakeTwilio(seed="bench-restart")
    store = DurableStore(path, fake)
    began = time.perf_counter()
    fake.generate_history(config.stored)
    store.flush()  # what the server does at the end of the request that seeded them
    store.close()
    info(f"  stored {config.stored:,} conferences in {time.perf_counter() - began:.2f} s")
    info(f"  store file: {path.stat().st_size / 1e6:.1f} MB (+ WAL {_wal(path):.1f} MB)")

    def load() -> float:
        begin = time.perf_counter()
        fresh = FakeTwilio(seed="bench-restart")
        loaded = DurableStore(path, fresh)
        elapsed = time.perf_counter() - begin
        check(loaded.loaded == config.stored, f"loaded {loaded.loaded} of {config.stored}")
        loaded.close()
        return elapsed

    def build() -> float:
        begin = time.perf_counter()
        FakeTwilio(seed="bench-restart").generate_history(config.stored)
        return time.perf_counter() - begin

    loads: list[float] = []
    builds: list[float] = []
    for repeat in range(config.load_repeats * 2):
        (loads if repeat % 2 == 0 else builds).append((load if repeat % 2 == 0 else build)())
    ratio = statistics.median(loads) / statistics.median(builds)
    return figure(
        "restart",
        f"load {config.stored // 1000}k",
        fmt_time(statistics.median(loads)),
        "generate in memory",
        fmt_time(statistics.median(builds)),
        ratio,
        None,
    )


def _wal(path: Path) -> float:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size / 1e6 if wal.exists() else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run (CI)")
    parser.add_argument("--stored", type=int, help="conferences the restart loads")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    if args.stored is not None:
        check(args.stored >= 1, "--stored must be at least 1")
        config = dataclasses.replace(config, stored=args.stored)
    began = time.perf_counter()
    info(
        f"pytest-fakeconf persistence benchmarks ({'quick' if args.quick else 'full'}): "
        f"python {sys.version.split()[0]}; ratio = median(A) / median(B)"
    )
    with tempfile.TemporaryDirectory(prefix="fakeconf-bench-") as folder:
        figure_writes(config, Path(folder))
        figure_restart(config, Path(folder))
    info(f"done in {time.perf_counter() - began:.1f} s (ratios reported, not asserted)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        sys.exit(1)
