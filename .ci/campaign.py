#!/usr/bin/env python3
"""A schemathesis campaign against ``fakeconf serve`` over every implemented operation.

Run by ``.ci/run`` on every CI run (issue 13), with the project's virtualenv active:

    python .ci/campaign.py --schemathesis /path/to/sch-venv/bin/schemathesis

It starts ``fakeconf serve --port 0`` as a subprocess, seeds it (conferences with
participants, recorded conferences, standalone calls) through its control endpoints and
the API, then runs schemathesis (examples, coverage and fuzzing phases) in rounds against
Twilio's full ``api_v2010`` OpenAPI document, restricted to the operations of the route
registry (``api/routes.py``). Between rounds the server is reset and seeded again: the
same seed draws the same SIDs, so the seeded SIDs schemathesis is configured with stay
valid even though the previous round deleted or ended what they named.

Path parameters (``campaign_hooks.py``, a ``map_case`` hook, so every phase gets them):
``AccountSid`` is the server's account 95% of the time; the SID parameters are a seeded
SID ``--probability`` of the time (a conference and one of its participants or
recordings as a pair), so the cases reach past the 404 of an unknown SID.

From the HAR report of every round it counts the requests per operation and fails (exit
1) on any of:

* a 5xx answer, or a request the server did not answer; schemathesis exiting non-zero
  (its ``not_a_server_error`` check failed, or it could not run);
* an error answer (4xx) whose body is not Twilio's ``{"code": int, "message": str,
  "more_info": str, "status": int}`` with ``status`` equal to the HTTP status;
* an implemented operation that received fewer than ``--floor`` requests;
* the server not stopping cleanly on SIGTERM (exit code other than 0: coverage of the
  server subprocess is written when it exits normally), or a traceback in its stderr.

An operation still under the floor after the rounds gets one more round of its own
(``--top-up`` seconds) before the floor is held against it. The time is bounded by
``--max-time`` seconds of schemathesis per round (2 rounds of 70 s by default: about
2.5 minutes in all, 3 with a top-up round).
"""

from __future__ import annotations

import argparse
import base64
import collections
import dataclasses
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pytest_fakeconf.api.routes import REGISTRY, ROUTES

SERVE = ("--port", "0", "--threads", "8", "--seed")
BANNER = re.compile(r"fakeconf serving at (http://\S+)")
SID_LINE = re.compile(r"\s*account sid: (AC[0-9a-f]{32})")
TOKEN_LINE = re.compile(r"\s*auth token:\s+(\S+)")
ERROR_KEYS = {"code": int, "message": str, "more_info": str, "status": int}
CALLER = "+15017122661"
# A call that stays up: it waits in a conference of its own until hung up.
HOLD_TWIML = "<Response><Dial><Conference>{room}</Conference></Dial></Response>"
# What To and From are drawn from half of the time, so that calls get made.
NUMBERS = ["+15005550006", "+15017122661", "+14155550100", "client:alice", "sip:bob@example.com"]
HOOKS = Path(__file__).with_name("campaign_hooks.py")


# -- the server -----------------------------------------------------------------------------


class Server:
    """``fakeconf serve --port 0`` as a subprocess: its banner read, stopped by SIGTERM."""

    def __init__(self, seed: str, log_dir: Path) -> None:
        self.stderr_path = log_dir / "server-stderr.txt"
        self._stderr = self.stderr_path.open("w")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "pytest_fakeconf.server.cli", "serve", *SERVE, seed],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            url, sid, token = (self._expect(p) for p in (BANNER, SID_LINE, TOKEN_LINE))
        except SystemExit:
            self.stop()
            raise
        self.base_url, self.account_sid, self.auth_token = url, sid, token

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.output.append(line.rstrip("\n"))
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _expect(self, pattern: re.Pattern[str], timeout: float = 30.0) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise SystemExit(f"campaign: the server printed nothing in {timeout} s") from None
        found = None if line is None else pattern.fullmatch(line)
        if found is None:
            raise SystemExit(f"campaign: unexpected server output {self.output}: {self.stderr()}")
        return found.group(1)

    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait: the exit code (-9 if it had to be killed)."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._stderr.close()
        return self.popen.returncode


# -- seeding ---------------------------------------------------------------------------------


class Api:
    """JSON/form requests with the account's Basic credentials."""

    def __init__(self, server: Server) -> None:
        self.base = server.base_url
        self.account = f"/2010-04-01/Accounts/{server.account_sid}"
        pair = f"{server.account_sid}:{server.auth_token}".encode()
        self._auth = "Basic " + base64.b64encode(pair).decode()

    def control(self, path: str, body: Mapping[str, object] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        method = "GET" if body is None else "POST"
        return self._send(method, f"/_fakeconf/{path}", data, "application/json")

    def post(self, path: str, form: Mapping[str, str]) -> Any:
        data = urllib.parse.urlencode(form).encode()
        return self._send(
            "POST", f"{self.account}/{path}", data, "application/x-www-form-urlencoded"
        )

    def get(self, path: str) -> Any:
        return self._send("GET", f"{self.account}/{path}", None, "")

    def _send(self, method: str, path: str, data: bytes | None, content_type: str) -> Any:
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", self._auth)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise SystemExit(
                f"campaign: seeding {method} {path} answered {error.code}: {error.read()[:500]!r}"
            ) from None


@dataclasses.dataclass
class Seeded:
    """The SIDs the seeding made, by the role they play in the campaign. The deleting
    operations get their own (``kick_*``, ``doomed_*``, ``ended_calls``): what the others
    work on then lasts the whole round."""

    # Conferences whose participants the participant operations work on; their
    # participants (call SIDs and labels).
    member_rooms: list[str] = dataclasses.field(default_factory=list)
    members: list[str] = dataclasses.field(default_factory=list)
    kick_rooms: list[str] = dataclasses.field(default_factory=list)
    kick_members: list[str] = dataclasses.field(default_factory=list)
    # Conferences that record; their recordings.
    recorded_rooms: list[str] = dataclasses.field(default_factory=list)
    recordings: list[str] = dataclasses.field(default_factory=list)
    doomed_rooms: list[str] = dataclasses.field(default_factory=list)
    doomed_recordings: list[str] = dataclasses.field(default_factory=list)
    # Conferences UpdateConference may end, and ended ones.
    spare_rooms: list[str] = dataclasses.field(default_factory=list)
    # Calls UpdateCall may hang up; ended calls DeleteCall may delete; every call.
    spare_calls: list[str] = dataclasses.field(default_factory=list)
    ended_calls: list[str] = dataclasses.field(default_factory=list)
    calls: list[str] = dataclasses.field(default_factory=list)
    # operationId -> the PageToken of its second page (PageSize=2).
    page_tokens: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def rooms(self) -> list[str]:
        every = (self.member_rooms, self.kick_rooms, self.recorded_rooms, self.doomed_rooms)
        return list(dict.fromkeys([*itertools.chain(*every), *self.spare_rooms]))


def seed(api: Api) -> Seeded:
    """Fill the fake with what the campaign's SIDs name (after a reset: the same SIDs)."""
    api.control("reset", {})
    api.control("clock", {"now": "2026-01-05T10:00:00+00:00"})
    made = Seeded()
    for index in range(4):  # conferences with participants, by label and by call SID
        room = api.control("conferences", {"friendly_name": f"Members {index}"})["sid"]
        rooms, members = (
            (made.member_rooms, made.members) if index < 3 else (made.kick_rooms, made.kick_members)
        )
        for member in range(8):
            label = f"member-{index}-{member}"
            options: dict[str, object] = {"label": label, "muted": member % 2 == 1}
            joined = api.control(f"conferences/{room}/participants", options)
            rooms.append(room)
            members.append(joined["call_sid"] if member % 4 else label)
    for index in range(8):  # conferences that record from their start (two participants)
        name = f"Recorded {index}"
        for to in ("+15005550001", "+15005550002"):
            form = {"From": CALLER, "To": to, "ConferenceRecord": "record-from-start"}
            path = f"Conferences/{urllib.parse.quote(name)}/Participants.json"
            joined = api.post(path, form)
        (made.recorded_rooms if index < 4 else made.doomed_rooms).append(joined["conference_sid"])
    for index in range(6):
        room = api.control("conferences", {"friendly_name": f"Spare {index}"})["sid"]
        made.spare_rooms.append(room)
        if index % 2:
            api.control(f"conferences/{room}/end", {})
    for index in range(12):
        twiml = HOLD_TWIML.format(room=f"Call {index}")
        form = {"From": CALLER, "To": f"+1500555{index:04d}", "Twiml": twiml}
        call = api.post("Calls.json", form)["sid"]
        (made.ended_calls if index % 2 else made.spare_calls).append(call)
    api.control("clock", {"advance": 30})  # calls answer, participants join, recordings run
    for call in made.ended_calls:
        api.control(f"calls/{call}/hang-up", {})
    for rooms, recordings in (
        (made.recorded_rooms, made.recordings),
        (made.doomed_rooms, made.doomed_recordings),
    ):
        for room in rooms:
            (recording,) = api.get(f"Conferences/{room}/Recordings.json")["recordings"]
            recordings.append(recording["sid"])
    made.calls = [call["sid"] for call in api.control("calls")]
    lists = {
        "ListConference": "Conferences.json",
        "ListParticipant": f"Conferences/{made.member_rooms[0]}/Participants.json",
        "ListRecording": "Recordings.json",
        "ListCall": "Calls.json",
    }
    for operation, path in lists.items():  # the second page's token, for the fuzzer to use
        following = api.get(f"{path}?PageSize=2")["next_page_uri"]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(following).query)
        made.page_tokens[operation] = query["PageToken"][0]
    return made


# -- schemathesis configuration -----------------------------------------------------------------


def plan(account_sid: str, seeded: Seeded, probability: float) -> dict[str, Any]:
    """What ``campaign_hooks.py`` puts in the cases: for each operation (``METHOD
    template``), the seeded values its path parameters (and some query and body fields)
    are drawn from."""
    rooms = seeded.rooms
    # The operations with two SIDs get lists of the same length, read at one index.
    members = {"ConferenceSid": seeded.member_rooms, "CallSid": seeded.members}
    recorded = {"ConferenceSid": seeded.recorded_rooms, "Sid": seeded.recordings}
    kicked = {"ConferenceSid": seeded.kick_rooms, "CallSid": seeded.kick_members}
    doomed = {"ConferenceSid": seeded.doomed_rooms, "Sid": seeded.doomed_recordings}
    calls_body = {"To": NUMBERS, "From": NUMBERS}
    by_operation: dict[str, dict[str, Any]] = {
        "FetchConference": {"path": {"Sid": rooms}},
        "UpdateConference": {"path": {"Sid": seeded.spare_rooms}},
        "ListConference": {"query": {"FriendlyName": ["Members 0", "Recorded 1", "Spare 1"]}},
        # Mostly the conference the PageToken is of (the first of member_rooms).
        "ListParticipant": {"path": {"ConferenceSid": seeded.member_rooms + rooms}},
        "CreateParticipant": {
            "path": {"ConferenceSid": [*rooms, "Members 0", "A new room"]},
            "body": calls_body,
        },
        "FetchParticipant": {"path": members},
        "UpdateParticipant": {"path": members},
        "DeleteParticipant": {"path": kicked},
        "ListConferenceRecording": {"path": {"ConferenceSid": seeded.recorded_rooms}},
        "FetchConferenceRecording": {"path": recorded},
        "UpdateConferenceRecording": {
            "path": {**recorded, "Sid": [*seeded.recordings[:-1], "Twilio.CURRENT"]}
        },
        "DeleteConferenceRecording": {"path": doomed},
        "ListRecording": {
            "query": {"ConferenceSid": seeded.recorded_rooms, "CallSid": seeded.calls[:8]}
        },
        "FetchRecording": {"path": {"Sid": seeded.recordings + seeded.doomed_recordings}},
        "DeleteRecording": {"path": {"Sid": seeded.doomed_recordings}},
        "CreateCall": {"body": {**calls_body, "Twiml": [HOLD_TWIML.format(room="Members 0")]}},
        "ListCall": {"query": {"ParentCallSid": seeded.calls[:4], "To": NUMBERS, "From": NUMBERS}},
        "FetchCall": {"path": {"Sid": seeded.calls}},
        "UpdateCall": {"path": {"Sid": seeded.spare_calls}},
        "DeleteCall": {"path": {"Sid": seeded.ended_calls + seeded.spare_calls[:2]}},
    }
    for operation, token in seeded.page_tokens.items():  # the three go together
        paging = {"PageToken": token, "Page": "1", "PageSize": "2"}
        by_operation.setdefault(operation, {})["paging"] = paging
    return {
        "account_sid": account_sid,
        "probability": probability,
        "foreign_account": 0.05,
        "operations": {
            f"{route.method} {route.template}": by_operation.get(route.operation_id, {})
            for route in ROUTES
        },
    }


def operation_ids() -> list[str]:
    return [route.operation_id for route in ROUTES]


def schemathesis_command(
    args: argparse.Namespace,
    server: Server,
    report: Path,
    seed: int,
    operations: list[str],
    max_time: int,
) -> list[str]:
    return [
        args.schemathesis,
        "run",
        args.schema,
        "--url",
        server.base_url,
        "--auth",
        f"{server.account_sid}:{server.auth_token}",
        "--include-operation-id-regex",
        "^(" + "|".join(operations) + ")$",
        "--checks",
        "not_a_server_error",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(args.max_examples),
        "--max-time",
        str(max_time),
        "--workers",
        str(args.workers),
        "--seed",
        str(seed),
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "har",
        "--report-har-path",
        str(report),
    ]


# -- the report ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Tally:
    requests: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    successes: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    statuses: collections.Counter[int] = dataclasses.field(default_factory=collections.Counter)
    server_errors: list[str] = dataclasses.field(default_factory=list)
    bad_shapes: list[str] = dataclasses.field(default_factory=list)
    unknown: list[str] = dataclasses.field(default_factory=list)


def operation_of(method: str, url: str) -> str | None:
    path = urllib.parse.urlsplit(url).path
    resolved = REGISTRY.resolve(method, path)
    if resolved is None or resolved.route is None:
        return None
    return resolved.route.operation_id


def shape_problem(status: int, text: str) -> str | None:
    """Why an error body is not Twilio's shape, or None when it is."""
    try:
        body = json.loads(text)
    except ValueError:
        return "not JSON"
    if not isinstance(body, dict):
        return "not a JSON object"
    if set(body) != set(ERROR_KEYS):
        return f"keys {sorted(body)}"
    for key, kind in ERROR_KEYS.items():
        if not isinstance(body[key], kind) or isinstance(body[key], bool):
            return f"{key} is {body[key]!r}"
    if body["status"] != status:
        return f"status {body['status']} in the body, {status} on the wire"
    return None


def entries(har: Path) -> Iterator[dict[str, Any]]:
    yield from json.loads(har.read_text())["log"]["entries"]


def tally(hars: list[Path]) -> Tally:
    found = Tally()
    for har in hars:
        for entry in entries(har):
            request, response = entry["request"], entry["response"]
            method, url = request["method"], request["url"]
            status = int(response.get("status") or 0)
            what = f"{method} {url} -> {status}"
            operation = operation_of(method, url)
            if operation is None:  # a path the fuzzer mangled past the route's template
                found.unknown.append(what)
            else:
                found.requests[operation] += 1
                if 200 <= status < 300:
                    found.successes[operation] += 1
            found.statuses[status] += 1
            text = (response.get("content") or {}).get("text") or ""
            if status >= 500 or status == 0:
                found.server_errors.append(f"{what}: {text[:300]}")
            elif status >= 400 and method != "HEAD":
                problem = shape_problem(status, text)
                if problem is not None:
                    found.bad_shapes.append(f"{what}: {problem}: {text[:300]}")
    return found


def report(found: Tally, floor: int) -> list[str]:
    """Print the figures; return the failures."""
    print(f"{'operation':<28}{'requests':>10}{'2xx':>8}")
    failures = []
    for operation in operation_ids():
        count = found.requests[operation]
        print(f"{operation:<28}{count:>10}{found.successes[operation]:>8}")
        if count < floor:
            failures.append(f"{operation} got {count} requests, fewer than the floor {floor}")
    total = sum(found.statuses.values())
    server_errors = sum(n for status, n in found.statuses.items() if status >= 500 or status == 0)
    print(f"total requests: {total} (outside the operations' paths: {len(found.unknown)})")
    print("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(found.statuses.items())))
    print(f"5xx or unanswered: {server_errors}")
    print(f"error bodies not in Twilio's shape: {len(found.bad_shapes)}")
    failures += [f"server error: {line}" for line in found.server_errors[:20]]
    failures += [f"error shape: {line}" for line in found.bad_shapes[:20]]
    return failures


# -- the run ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--schemathesis",
        default=os.environ.get("SCHEMATHESIS") or shutil.which("schemathesis") or "schemathesis",
        help="the schemathesis executable (default: $SCHEMATHESIS, else on PATH)",
    )
    parser.add_argument(
        "--schema",
        default=os.environ.get("FAKECONF_TWILIO_OAI"),
        help="Twilio's api_v2010 OpenAPI document (default: $FAKECONF_TWILIO_OAI)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="reset, seed, fuzz (default: 2)")
    parser.add_argument(
        "--max-time", type=int, default=70, help="schemathesis seconds per round (default: 70)"
    )
    parser.add_argument(
        "--top-up",
        type=int,
        default=30,
        help="seconds of a last round for operations under the floor; 0: none (default: 30)",
    )
    parser.add_argument("--max-examples", type=int, default=50, help="per operation and phase")
    parser.add_argument("--workers", type=int, default=2, help="schemathesis workers")
    parser.add_argument("--floor", type=int, default=50, help="fewest requests per operation")
    parser.add_argument(
        "--probability",
        type=float,
        default=0.8,
        help="how often a SID parameter is a seeded SID (default: 0.8)",
    )
    parser.add_argument("--seed", type=int, default=None, help="first round's schemathesis seed")
    parser.add_argument("--keep", type=Path, default=None, help="keep the reports in this folder")
    args = parser.parse_args(argv)
    if not args.schema or not Path(args.schema).is_file():
        parser.error("Twilio's OpenAPI document is needed: --schema or $FAKECONF_TWILIO_OAI")
    return args


@dataclasses.dataclass
class Campaign:
    """The server, its seeding and what the rounds produced."""

    args: argparse.Namespace
    server: Server
    work: Path
    seed: int
    hars: list[Path] = dataclasses.field(default_factory=list)
    failures: list[str] = dataclasses.field(default_factory=list)

    def start(self) -> None:
        self.api = Api(self.server)
        self.seeded = seed(self.api)
        print(
            f"campaign: {self.server.base_url}, seeded {len(self.seeded.rooms)} conferences, "
            f"{len(self.seeded.calls)} calls, "
            f"{len(self.seeded.recordings + self.seeded.doomed_recordings)} recordings"
        )
        plan_file = self.work / "plan.json"
        account = self.server.account_sid
        plan_file.write_text(json.dumps(plan(account, self.seeded, self.args.probability)))
        self.env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": str(HOOKS),
            "FAKECONF_CAMPAIGN_PLAN": str(plan_file),
        }

    def round(self, name: str, operations: list[str], max_time: int) -> bool:
        """Reset, seed, fuzz ``operations``; False when schemathesis could not run."""
        if self.hars and seed(self.api) != self.seeded:
            raise SystemExit("campaign: seeding again drew other SIDs than the first time")
        number = len(self.hars)
        har = self.work / f"round-{number}.har"
        command = schemathesis_command(
            self.args, self.server, har, self.seed + number, operations, max_time
        )
        print(f"campaign: {name}: {len(operations)} operations, seed {self.seed + number}")
        started = time.monotonic()
        ran = subprocess.run(
            command,
            cwd=self.work,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=max_time + 300,
        )
        print(f"campaign: {name} took {time.monotonic() - started:.0f} s")
        (self.work / f"round-{number}.txt").write_text(ran.stdout)
        if ran.returncode != 0:  # a 5xx, or an error reaching the server: its summary
            print(ran.stdout[-8000:])
            self.failures.append(f"schemathesis exited {ran.returncode} in the {name}")
        if not har.is_file():
            self.failures.append(f"schemathesis wrote no report in the {name}")
            return False
        self.hars.append(har)
        return True

    def run(self) -> None:
        args = self.args
        everything = operation_ids()
        for index in range(args.rounds):
            if not self.round(f"round {index + 1}/{args.rounds}", everything, args.max_time):
                return
        # An operation schemathesis gave less than the floor (a slow machine, a busy
        # worker) gets a round of its own before the floor is held against it.
        found = tally(self.hars)
        short = [name for name in everything if found.requests[name] < args.floor]
        if short and args.top_up:
            self.round("top-up round", short, args.top_up)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    first_seed = args.seed if args.seed is not None else int(time.time()) % 1_000_000
    work = Path(args.keep or tempfile.mkdtemp(prefix="fakeconf-campaign-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    campaign = Campaign(args, Server("campaign", work), work, first_seed)
    try:
        campaign.start()
        campaign.run()
    finally:
        code = campaign.server.stop()
    failures = campaign.failures
    logged = campaign.server.stderr()
    if code != 0:
        failures.append(f"the server exited {code} on SIGTERM: {logged[-2000:]}")
    elif "Traceback" in logged:  # an exception no answer showed (a worker thread's)
        failures.append(f"the server logged an exception: {logged[:2000]}")
    failures += report(tally(campaign.hars), args.floor)
    kept = bool(args.keep or failures)
    where = f"; reports in {work}" if kept else ""
    print(f"campaign: {time.monotonic() - started:.0f} s in all{where}")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    if not kept:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
