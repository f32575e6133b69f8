"""Server memory stays flat: the RSS of server mode after 1M requests vs after 10k.

The server's WSGI app (``ServerApp``, the app ``fakeconf serve`` runs under waitress) is
driven in-process, without sockets, for speed, with the default settings of
``fakeconf serve`` (each journal keeps its newest 5,000 entries). The request mix is
what an app under test sends: conference list, fetch and update (an ``AnnounceUrl``,
so the fake fetches a document), participant create (with a status callback),
fetch and delete, calls create (inline TwiML), fetch, list and delete, a 404 and a 400.
Nothing is routed to receive webhooks, so every status callback and announcement is a
failed delivery, journaled with an alert.

Resources legitimately grow with what an app creates, so the mix keeps their count
bounded: a fixed set of conferences (each held open by one participant added before the
count starts) is reused, and every participant and call the mix creates is deleted in
the same cycle (``DELETE …/Participants/{Call}``, then ``DELETE …/Calls/{Sid}`` of its
call). Nothing is warmed up: the small point is the first 10,000 requests of the mix.

What grows between the two points, and so what the ratio measures (``fakeconf serve``'s
default bound, 5,000 entries per journal):

* journals still filling at 10k (bounded, they stop at their size): the request and
  event journals are full before 10k, but the webhook and alert journals get 4 entries
  every 13 requests (3,080 at 10k; full after about 16k), and the voice runner keeps the
  log of the newest 5,000 ended calls (one per cycle: 770 at 10k, full after about 65k).
  A journaled webhook keeps its parameters once, as a flat tuple, and of its headers only
  the signature (about 350 B an entry, 1.3 KB before); the request journal is full at 10k
  (about 15 MiB, 3 KB an entry, mostly response bodies) and stays so.
* page-token keys of deleted records: each store keeps those of its newest 1000 deleted
  records (``DELETED_TOKEN_KEYS``, FIDELITY: F72): the account's call store is full
  before 10k, the 8 conferences' participant stores (one deletion each per 8 cycles)
  after about 100k; about 2 MiB in all (the ``#`` line counts them).
* the log of each live call gets an entry for every announcement played to it
  (``webhooks/voice.py``): the 8 participants holding the rooms open hear one per cycle;
  in server mode a call's log keeps its newest 1,000 entries (``CALL_LOG_SIZE``), so
  they stop at 8,000 entries, about 1.1 MiB, after about 110k requests (the ``#`` line
  counts them).

Measured on 2026-12-02: 61.7 MiB at 10k, 68.9 MiB at 1M: 1.12 (``--quick``: 68.5 MiB at
100k, 1.11). With ``--journal-size 10000`` 78.8 → 94.8 MiB, 1.20; before the
live-call logs were bounded and the webhook entries made smaller, 82.9 → 120.4 MiB, 1.45.
Flat from about 200k requests.

RSS is read from ``/proc/self/statm`` (the current resident set, after ``gc.collect()``),
not ``getrusage`` (its ``maxrss`` never goes down). The figure is
``RSS(big) / RSS(small)``; target <= 1.2. ``--quick`` (CI, about 25-35 s) compares 100k
with 10k requests. Targets are reported, not asserted (see ``benchmarks/README.md``); a
wrong answer to any request, or a crash inside the fake, fails the run.
"""

from __future__ import annotations

import argparse
import base64
import gc
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from bench_conferences import BenchmarkError, check, check_no_crash, figure, info

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.cli import build_parser
from pytest_fakeconf.webhooks.voice import CALL_LOG_SIZE

TARGET = 1.2
ROOMS = 8  # conferences the mix reuses
SMALL = 10_000
BIG = 1_000_000
QUICK_BIG = 100_000
CALLER, CALLEE = "+15017122661", "+15558675310"
NOWHERE = "http://app.invalid"  # no receiver is routed: every delivery fails, journaled
TWIML = "<Response><Say>Your meeting starts soon.</Say></Response>"
HEADERS = {  # what twilio-python sends, so each journal entry has a realistic size
    "HTTP_USER_AGENT": "twilio-python/9.3.0 (Linux x86_64) Python/3.11.2",
    "HTTP_ACCEPT_CHARSET": "utf-8",
    "HTTP_ACCEPT": "application/json",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate",
    "HTTP_CONNECTION": "keep-alive",
}

Reply = tuple[int, Any]


class Driver:
    """Calls the WSGI app as waitress would, with the account's credentials."""

    def __init__(self, server: FakeconfServer) -> None:
        self.app = server.app
        self.fake = server.fake
        token = f"{self.fake.account_sid}:{self.fake.auth_token}".encode()
        self.auth = "Basic " + base64.b64encode(token).decode()
        self.account = f"/2010-04-01/Accounts/{self.fake.account_sid}"
        self.count = 0

    def call(
        self, method: str, path: str, form: dict[str, str] | None = None, query: str = ""
    ) -> Reply:
        body = urlencode(form).encode() if form is not None else b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8080",
            "HTTP_HOST": "127.0.0.1:8080",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": self.auth,
            **HEADERS,
        }
        if form is not None:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        status: list[str] = []

        def start_response(line: str, _headers: Any, _exc_info: Any = None) -> None:
            status.append(line)

        content = b"".join(self.app(environ, start_response))
        self.count += 1
        return int(status[0].split()[0]), json.loads(content) if content else None

    def api(
        self, method: str, path: str, form: dict[str, str] | None = None, query: str = ""
    ) -> Any:
        return self.call(method, self.account + path, form, query)


def expect(reply: Reply, status: int, what: str) -> Any:
    code, body = reply
    if code != status:
        raise BenchmarkError(f"{what}: expected {status}, got {code}: {body}")
    return body


def set_up(driver: Driver) -> list[str]:
    """The conferences the mix reuses, each held open by one participant."""
    rooms = []
    for i in range(ROOMS):
        room = expect(
            driver.call("POST", "/_fakeconf/conferences", None),
            201,
            "control: create a conference",
        )
        expect(
            driver.call("POST", f"/_fakeconf/conferences/{room['sid']}/participants", None),
            201,
            f"control: hold room {i} open",
        )
        rooms.append(room["sid"])
    return rooms


def cycle(driver: Driver, room: str) -> None:
    """One round of the mix (13 requests); it leaves the store as it found it."""
    conference = f"/Conferences/{room}"
    page = expect(
        driver.api("GET", "/Conferences.json", query="Status=in-progress&PageSize=20"),
        200,
        "conference list",
    )
    check(len(page["conferences"]) == ROOMS, "the list lost or gained conferences")
    expect(driver.api("GET", f"{conference}.json"), 200, "conference fetch")
    expect(
        driver.api("POST", f"{conference}.json", {"AnnounceUrl": f"{NOWHERE}/announce"}),
        200,
        "conference update",
    )
    joined = expect(
        driver.api(
            "POST",
            f"{conference}/Participants.json",
            {
                "From": CALLER,
                "To": CALLEE,
                "StatusCallback": f"{NOWHERE}/status",
                "StatusCallbackEvent": "initiated ringing answered completed",
            },
        ),
        201,
        "participant create",
    )
    member = f"{conference}/Participants/{joined['call_sid']}.json"
    expect(driver.api("GET", member), 200, "participant fetch")
    expect(driver.api("DELETE", member), 204, "participant delete")
    expect(driver.api("DELETE", f"/Calls/{joined['call_sid']}.json"), 204, "its call delete")
    call = expect(
        driver.api("POST", "/Calls.json", {"From": CALLER, "To": CALLEE, "Twiml": TWIML}),
        201,
        "call create",
    )
    fetched = expect(driver.api("GET", f"/Calls/{call['sid']}.json"), 200, "call fetch")
    check(fetched["status"] == "completed", f"the call did not end: {fetched['status']}")
    expect(driver.api("GET", "/Calls.json", query="PageSize=20"), 200, "call list")
    expect(driver.api("DELETE", f"/Calls/{call['sid']}.json"), 204, "call delete")
    expect(driver.api("GET", "/Conferences/CF" + "0" * 32 + ".json"), 404, "unknown conference")
    expect(driver.api("POST", "/Calls.json", {"From": CALLER}), 400, "call create without To")


def requests_until(driver: Driver, rooms: list[str], total: int) -> Iterator[None]:
    while driver.count < total:
        cycle(driver, rooms[driver.count % ROOMS])
        yield


def rss_bytes() -> int:
    """The resident set now (not the peak), after a full collection."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_to(driver: Driver, rooms: list[str], total: int, progress: Callable[[int], None]) -> None:
    step = max(total // 10, 1)
    mark = driver.count + step
    for _ in requests_until(driver, rooms, total):
        if driver.count >= mark:
            progress(driver.count)
            mark += step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k vs 100k requests (CI)")
    parser.add_argument("--requests", type=int, help="the big count (default: 1,000,000)")
    parser.add_argument(
        "--journal-size",
        type=int,
        help="another journal bound, to compare (not the target's default settings)",
    )
    args = parser.parse_args(argv)
    big = args.requests or (QUICK_BIG if args.quick else BIG)
    check(big > SMALL, f"--requests must be more than {SMALL:,}")

    server = FakeconfServer()  # never bound: only its WSGI app is driven
    fake = server.fake
    default = build_parser().parse_args(["serve"]).journal_size
    check(fake.journal_size == default, "FakeconfServer and fakeconf serve disagree")
    if args.journal_size is not None and args.journal_size != default:
        fake.journal_size = default = args.journal_size
        info(f"journal size {default:,} per journal (NOT fakeconf serve's default)")
    else:
        info(f"journal size {default:,} per journal (fakeconf serve's default)")
    driver = Driver(server)
    rooms = set_up(driver)
    driver.count = 0  # the mix's requests, all to the API (control ones are not journaled)
    baseline = rss_bytes()
    started = time.perf_counter()
    run_to(driver, rooms, SMALL, lambda n: None)
    small = rss_bytes()
    counts = fake.journal_counts
    for name, count in counts.items():
        check(count.kept == min(count.recorded, default), f"{name} journal kept {count}")
    check(counts["requests"].recorded == driver.count, "the request journal missed requests")

    def progress(n: int) -> None:
        rate = (n - SMALL) / (time.perf_counter() - started)
        info(f"{n:>9,} requests  RSS {rss_bytes() / 2**20:7.1f} MiB  ({rate:,.0f} requests/s)")

    run_to(driver, rooms, big, progress)
    large = rss_bytes()
    check_no_crash(fake)
    counts = fake.journal_counts
    for name, count in counts.items():
        check(count.kept <= default, f"{name} journal over its bound: {count}")
        info(
            f"{name:<9} recorded {count.recorded:>10,}  kept {count.kept:>6,}  dropped "
            f"{count.dropped:>10,}"
        )
    check(len(fake.calls) == ROOMS, f"the mix left {len(fake.calls) - ROOMS} calls behind")
    check(len(fake.conferences) == ROOMS, "the mix left conferences behind")
    info(f"RSS before the mix {baseline / 2**20:.1f} MiB")
    kept = deleted_token_keys(fake)
    info(
        f"page-token keys of deleted records kept: {kept:,} (about "
        f"{kept * TOKEN_KEY_BYTES / 2**20:.1f} MiB at ~{TOKEN_KEY_BYTES} B each)"
    )
    heard = live_call_log_entries(fake)
    info(
        f"log entries of live calls: {heard:,} (about "
        f"{heard * LOG_ENTRY_BYTES / 2**20:.1f} MiB at ~{LOG_ENTRY_BYTES} B each; at most "
        f"{CALL_LOG_SIZE:,} a call)"
    )
    figure(
        "rss",
        f"RSS {label(driver.count)}",
        f"{large / 2**20:.1f} MiB",
        f"RSS {label(SMALL)}",
        f"{small / 2**20:.1f} MiB",
        large / small,
        TARGET,
    )
    return 0


# a deleted record's token key: its SID (83 B), its sort key (a 2-tuple, 56 B, of two
# ints, 60 B) and its dict slot (measured: 1.9 MiB for 8,693 keys)
TOKEN_KEY_BYTES = 230


def deleted_token_keys(fake: FakeTwilio) -> int:
    """Page-token keys of deleted calls and participants the stores keep (so a token
    naming one pages on): at most ``DELETED_TOKEN_KEYS`` per store."""
    backend = fake._backend
    kept = len(backend.call_store(fake.account_sid)._deleted_keys)
    for room in backend.conference_store(fake.account_sid).newest_first():
        participants = room.participants
        if participants is not None:
            kept += len(participants._deleted_keys)
    return kept


# one announcement in a live call's log: a LogEntry and its list slot (measured)
LOG_ENTRY_BYTES = 150


def live_call_log_entries(fake: FakeTwilio) -> int:
    """Entries in the logs of calls that have not ended (the voice runner keeps those of
    ended calls within the journal size): what grows with the announcements played, up
    to ``CALL_LOG_SIZE`` entries a call in server mode."""
    runner = fake._runner
    return sum(runner._log.kept(sid) for sid in runner._log if sid not in runner._done)


def label(count: int) -> str:
    return f"{count / 1000:,.0f}k" if count < 1_000_000 else f"{count / 1e6:,.1f}M"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as error:
        print(f"benchmark check failed: {error}", file=sys.stderr)
        sys.exit(1)
