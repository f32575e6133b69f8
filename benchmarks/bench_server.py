"""Throughput and latency of server mode: a FakeconfServer over real sockets under 1,
4 and 8 client threads, against a trivial WSGI app served by the same waitress setup
(see ``benchmarks/README.md``). Run with ``--quick`` for CI."""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import logging
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests
from bench_conferences import BenchmarkError, check, check_no_crash, figure, fmt_time, info

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import FakeconfServer

STORE = 200  # live conferences around the fetched one
PAGE = 20  # PageSize of the listed page
REQUESTS_PER_CYCLE = 4  # fetch, list page, participant create, participant delete
CALLER = "+15017122661"
EXPECTED = {"fetch": 200, "page": 200, "create": 201, "delete": 204}


@dataclasses.dataclass(frozen=True)
class Config:
    seconds: float  # length of one timed run
    repeats: int  # alternating runs per side and thread count
    threads: tuple[int, ...]  # client thread counts
    server_threads: int = 8  # waitress worker threads


FULL = Config(seconds=2.0, repeats=3, threads=(1, 4, 8))
QUICK = Config(seconds=0.3, repeats=1, threads=(1, 4, 8))


# -- what one client thread does ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Target:
    """Where the mix goes and how to check each answer."""

    base_url: str
    auth: tuple[str, str]
    account_path: str  # /2010-04-01/Accounts/AC...
    conference_sid: str  # fetched
    room_sid: str  # participants join and leave it
    validate: Callable[[str, requests.Response], None]


@dataclasses.dataclass
class Run:
    requests: int
    wall: float
    latencies: list[float]

    @property
    def per_request(self) -> float:
        return self.wall / self.requests


def cycle(session: requests.Session, target: Target, tag: str, latencies: list[float]) -> int:
    """One mix: fetch, list a page, add a participant and remove it. Returns requests made."""
    base = target.base_url + target.account_path

    def timed(kind: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        begin = time.perf_counter()
        response = session.request(method, url, timeout=30, **kwargs)
        latencies.append(time.perf_counter() - begin)
        target.validate(kind, response)
        return response

    timed("fetch", "GET", f"{base}/Conferences/{target.conference_sid}.json")
    timed(
        "page",
        "GET",
        f"{base}/Conferences.json",
        params={"Status": "in-progress", "PageSize": str(PAGE)},
    )
    created = timed(
        "create",
        "POST",
        f"{base}/Conferences/{target.room_sid}/Participants.json",
        data={"From": CALLER, "To": f"client:{tag}"},
    )
    call_sid = created.json()["call_sid"]
    timed("delete", "DELETE", f"{base}/Conferences/{target.room_sid}/Participants/{call_sid}.json")
    return REQUESTS_PER_CYCLE


def run_clients(target: Target, threads: int, seconds: float) -> Run:
    """``threads`` clients, each with its own session, run the mix for ``seconds``."""
    barrier = threading.Barrier(threads)
    counts = [0] * threads
    latencies: list[list[float]] = [[] for _ in range(threads)]
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * threads
    errors: list[BaseException] = []

    def client(index: int) -> None:
        session = requests.Session()
        session.auth = target.auth
        try:
            cycle(session, target, f"warm-{index}", [])  # connect outside the timing
            barrier.wait(timeout=30)
            begin = time.perf_counter()
            end = begin + seconds
            n = 0
            while time.perf_counter() < end:
                counts[index] += cycle(session, target, f"{index}-{n}", latencies[index])
                n += 1
            spans[index] = (begin, time.perf_counter())
        except BaseException as error:
            errors.append(error)
            barrier.abort()
        finally:
            session.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    wall = max(end for _, end in spans) - min(begin for begin, _ in spans)
    return Run(sum(counts), wall, [x for per_thread in latencies for x in per_thread])


# -- the two servers ---------------------------------------------------------------------


@dataclasses.dataclass
class ServerSide:
    """One side of the comparison: a server started for each run and stopped after it,
    so the other side's server is never running (or idling) during the timing."""

    name: str
    fake: FakeTwilio
    target: Target  # its base_url is the port of the latest run
    app: Callable[..., Iterable[bytes]] | None = None  # None: the fake's own WSGI door

    def run(self, threads: int, seconds: float, server_threads: int) -> Run:
        server = FakeconfServer(self.fake, port=0, threads=server_threads)
        if self.app is not None:
            server.app = self.app  # the same create_server() call, another app
        server.start()
        try:
            self.target = dataclasses.replace(self.target, base_url=server.base_url)
            return run_clients(self.target, threads, seconds)
        finally:
            server.stop()
            self.fake._journal.clear()  # keep the journal from growing across runs


def fake_side() -> ServerSide:
    fake = FakeTwilio(seed="bench-server")
    for i in range(STORE):
        fake.create_conference(f"bench {i}")
    fetched = fake.create_conference("fetched room")
    room = fake.create_conference("join and leave")
    room.add_participant(label="host")  # stays: the room never ends

    def validate(kind: str, response: requests.Response) -> None:
        expected = EXPECTED[kind]
        check(
            response.status_code == expected,
            f"{kind}: {response.status_code} (expected {expected}): {response.text[:300]}",
        )
        if kind == "fetch":
            check(response.json()["sid"] == fetched.sid, "fetched the wrong conference")
        elif kind == "page":
            body = response.json()
            check(len(body["conferences"]) == PAGE, "the page is not full")
            check(body["next_page_uri"] is not None, "the page has no next page")
        elif kind == "create":
            body = response.json()
            check(body["status"] == "queued", f"created {body['status']}, not queued")
            check(body["conference_sid"] == room.sid, "joined the wrong room")

    target = Target(
        "",
        (fake.account_sid, fake.auth_token),
        f"/2010-04-01/Accounts/{fake.account_sid}",
        fetched.sid,
        room.sid,
        validate,
    )
    return ServerSide("fake", fake, target)


def baseline_side(fake: ServerSide, server_threads: int) -> ServerSide:
    """The same waitress setup (FakeconfServer's, threads included) serving a trivial
    WSGI app that answers each request of the mix with the fake's canned body."""
    bodies = canned_bodies(fake, server_threads)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            environ["wsgi.input"].read(length)
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if method == "DELETE":
            start_response("204 No Content", [])
            return [b""]
        kind = "create" if method == "POST" else "page" if path.endswith("s.json") else "fetch"
        status = "201 Created" if kind == "create" else "200 OK"
        body = bodies[kind]
        start_response(
            status,
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def validate(kind: str, response: requests.Response) -> None:
        check(response.status_code == EXPECTED[kind], f"baseline {kind}: {response.status_code}")
        if kind != "delete":
            check(response.content == bodies[kind], f"baseline {kind}: wrong body")

    target = dataclasses.replace(fake.target, validate=validate)
    return ServerSide("baseline", FakeTwilio(seed="bench-baseline"), target, app)


def canned_bodies(fake: ServerSide, server_threads: int) -> dict[str, bytes]:
    """The fake's own answers to the mix, byte for byte (the participant is removed again)."""
    with FakeconfServer(fake.fake, port=0, threads=server_threads) as server:
        target = fake.target
        session = requests.Session()
        session.auth = target.auth
        base = server.base_url + target.account_path
        fetch = session.get(f"{base}/Conferences/{target.conference_sid}.json", timeout=30)
        page = session.get(
            f"{base}/Conferences.json",
            params={"Status": "in-progress", "PageSize": str(PAGE)},
            timeout=30,
        )
        create = session.post(
            f"{base}/Conferences/{target.room_sid}/Participants.json",
            data={"From": CALLER, "To": "client:canned"},
            timeout=30,
        )
        call_sid = create.json()["call_sid"]
        delete = session.delete(
            f"{base}/Conferences/{target.room_sid}/Participants/{call_sid}.json", timeout=30
        )
        session.close()
    check(
        [r.status_code for r in (fetch, page, create, delete)] == [200, 200, 201, 204],
        "the fake did not answer the canned requests",
    )
    return {"fetch": fetch.content, "page": page.content, "create": create.content}


# -- figures ------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def figure_threads(threads: int, fake: ServerSide, base: ServerSide, config: Config) -> None:
    runs: dict[str, list[Run]] = {"fake": [], "baseline": []}
    for repeat in range(config.repeats):
        for side in (fake, base) if repeat % 2 == 0 else (base, fake):
            runs[side.name].append(side.run(threads, config.seconds, config.server_threads))
    check_no_crash(fake.fake)
    room = fake.fake.get_conference(fake.target.room_sid)
    check([p.label for p in room.participants] == ["host"], "a participant was left behind")
    check(room.status == "in-progress", "the room ended")

    medians = {
        name: statistics.median(r.per_request for r in side_runs)
        for name, side_runs in runs.items()
    }
    figure(
        f"9-server-{threads}t",
        "fake s/req",
        fmt_time(medians["fake"]),
        "baseline s/req",
        fmt_time(medians["baseline"]),
        medians["fake"] / medians["baseline"],
        None,
    )
    for name, side_runs in runs.items():
        latencies = [x for r in side_runs for x in r.latencies]
        rps = statistics.median(r.requests / r.wall for r in side_runs)
        info(
            f"  {threads} thread(s) {name:<8}: {rps:7.0f} req/s  "
            f"p50 {fmt_time(percentile(latencies, 50)):>9}  "
            f"p99 {fmt_time(percentile(latencies, 99)):>9}  "
            f"({sum(r.requests for r in side_runs):,} requests)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run (CI)")
    parser.add_argument(
        "--threads", type=int, action="append", help="client threads (repeatable; default 1 4 8)"
    )
    parser.add_argument("--seconds", type=float, help="length of one timed run")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    if args.threads:
        check(all(t >= 1 for t in args.threads), "--threads must be at least 1")
        config = dataclasses.replace(config, threads=tuple(args.threads))
    if args.seconds is not None:
        check(args.seconds > 0, "--seconds must be positive")
        config = dataclasses.replace(config, seconds=args.seconds)

    began = time.perf_counter()
    info(
        f"pytest-fakeconf server benchmark ({'quick' if args.quick else 'full'}): "
        f"python {sys.version.split()[0]}, waitress {importlib.metadata.version('waitress')}, "
        f"{config.server_threads} server threads, {config.repeats} alternating run(s) of "
        f"{config.seconds:g} s per side"
    )
    info(
        f"mix per cycle: fetch, list a page of {PAGE} (store of {STORE}), "
        "participant create + delete; ratio = fake s/req / baseline s/req (wall time)"
    )
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is 2"
    fake = fake_side()
    base = baseline_side(fake, config.server_threads)
    for threads in config.threads:
        figure_threads(threads, fake, base, config)
    info(f"done in {time.perf_counter() - began:.1f} s (figures reported, not asserted)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as error:
        print(f"benchmark check failed: {error}", file=sys.stderr)
        sys.exit(1)
