"""``fakeconf serve``: run the fake as a local HTTP server for offline runs."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import IO, Any

from .. import __version__
from ..core.bounded import SERVER_JOURNAL_SIZE
from ..core.errors import FakeconfError
from ..fake import FakeTwilio
from .durable.database import DataStoreError
from .limits import MAX_BODY_BYTES, check_size
from .runner import FakeconfServer

USAGE_NOTES = """
Point a client at the printed base URL:
  python:  client = Client(ACCOUNT_SID, AUTH_TOKEN); client.api.base_url = BASE_URL
  node:    twilio(ACCOUNT_SID, AUTH_TOKEN) with client.api.baseUrl = BASE_URL
  curl:    curl -u ACCOUNT_SID:AUTH_TOKEN BASE_URL/2010-04-01/Accounts/ACCOUNT_SID/Conferences.json
The live page is at the base URL; control endpoints are under /_fakeconf/ (see docs/server.md).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakeconf", description="pytest-fakeconf tools")
    parser.add_argument("--version", action="version", version=f"fakeconf {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the fake Twilio Conference API over HTTP",
        description="Serve the fake Twilio Conference API over HTTP until SIGINT or SIGTERM.",
        epilog=USAGE_NOTES,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # each help names its default
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument(
        "--port", type=int, default=8080, help="port; 0 picks a free one (default: %(default)s)"
    )
    serve.add_argument(
        "--account-sid",
        help="the account SID clients must use, AC + 32 hex digits (default: drawn from --seed)",
    )
    serve.add_argument(
        "--auth-token", help="the auth token clients must use (default: drawn from --seed)"
    )
    serve.add_argument(
        "--account",
        action="append",
        type=account,
        default=[],
        metavar="SID:TOKEN",
        help="an account clients may use, AC + 32 hex digits and its auth token; repeat for "
        "more. The first is the default one (printed) unless --account-sid is given "
        "(default: one account, from --account-sid/--auth-token)",
    )
    serve.add_argument(
        "--seed",
        default="fakeconf",
        help="seed of SIDs and of the default credentials (default: %(default)s)",
    )
    serve.add_argument(
        "--threads", type=int, default=8, help="worker threads (default: %(default)s)"
    )
    serve.add_argument(
        "--conference-list-default",
        choices=("in-progress", "all"),
        default="in-progress",
        help="what a conference list without Status returns: only in-progress conferences "
        "(Twilio's default from its 2026-09-30 rollout) or every status (accounts not yet "
        "migrated) (default: %(default)s)",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=max_body_bytes,
        default=MAX_BODY_BYTES,
        metavar="N",
        help="largest request body accepted; a larger one gets Twilio's 413 error body "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME[:PORT]",
        help="a Host name the live page and the control endpoints answer besides the "
        "server's own address (127.0.0.1, localhost, [::1], --host) and port; repeat for "
        "more (default: none)",
    )
    serve.add_argument(
        "--log-requests",
        action="store_true",
        help="print one line per request to stderr: method, path, status, milliseconds "
        "(default: off)",
    )
    serve.add_argument(
        "--data",
        metavar="PATH",
        help="keep the state in an SQLite file at PATH (created if missing): every "
        "acknowledged write survives a crash, and a restart goes on where it stopped, "
        "with new SIDs only (default: none: the state lives in memory, and state and "
        "SIDs start over on each start)",
    )
    serve.add_argument(
        "--journal-size",
        type=journal_size,
        default=SERVER_JOURNAL_SIZE,
        metavar="N",
        help="entries each journal keeps (requests, webhooks, events, alerts), the oldest "
        "dropped first; 'unbounded' keeps every one (default: %(default)s)",
    )
    return parser


def journal_size(text: str) -> int | None:
    """``--journal-size``: a whole number >= 0, or ``unbounded`` (None)."""
    if text.strip().lower() == "unbounded":
        return None
    try:
        size = int(text)
    except ValueError:
        size = -1
    if size < 0:
        raise argparse.ArgumentTypeError(
            f"expected a whole number >= 0 or 'unbounded', got {text!r}"
        )
    return size


def account(text: str) -> tuple[str, str]:
    """``--account``: ``SID:TOKEN``, both non-empty (the SID is checked when added)."""
    sid, colon, token = text.partition(":")
    if not colon or not sid or not token:
        raise argparse.ArgumentTypeError(f"expected SID:TOKEN, got {text!r}")
    return sid, token


def max_body_bytes(text: str) -> int:
    """``--max-body-bytes``: a whole number >= 1."""
    try:
        return check_size(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    accounts = list(args.account)
    default = (args.account_sid, args.auth_token)
    if args.account_sid is None and args.auth_token is None and accounts:
        default = accounts.pop(0)
    try:
        fake = FakeTwilio(
            seed=args.seed,
            account_sid=default[0],
            auth_token=default[1],
            conference_list_default=args.conference_list_default,
            journal_size=args.journal_size,
        )
        for sid, token in accounts:
            fake.add_account(sid, token)
    except (ValueError, FakeconfError) as error:
        parser.error(str(error))
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0 to 65535")
    try:
        server = FakeconfServer(
            fake,
            host=args.host,
            port=args.port,
            threads=args.threads,
            max_body_bytes=args.max_body_bytes,
            allowed_hosts=args.allow_host,
            data=args.data,
        )
    except DataStoreError as error:
        parser.error(str(error))
    if args.log_requests:
        server.app = RequestLog(server.app, sys.stderr)  # type: ignore[assignment]
    try:
        server.create()
    except OSError as error:
        print(f"fakeconf: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1

    def stop(signum: int, _frame: FrameType | None) -> None:
        print(f"fakeconf: {signal.Signals(signum).name}, shutting down", flush=True)
        server.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"fakeconf serving at {server.base_url}", flush=True)
    print(f"  account sid: {fake.account_sid}", flush=True)
    print(f"  auth token:  {fake.auth_token}", flush=True)
    if server.durable is not None:
        loaded = server.durable.loaded
        print(f"  data:        {server.durable.path} ({loaded} conferences loaded)", flush=True)
    if accounts:
        print(f"  and {len(accounts)} more account(s): GET /_fakeconf/accounts", flush=True)
    server.serve_forever()
    if server.durable is not None:
        server.durable.close()
    print("fakeconf: stopped", flush=True)
    return 0


StartResponse = Callable[..., Any]


class RequestLog:
    """WSGI middleware writing ``METHOD /path STATUS 1.2ms`` to ``stream`` once a
    request is answered (``-`` for a connection dropped on purpose).

    The milliseconds are wall time on the server (``time.perf_counter``), for a
    person reading the log; the fake's own clock is not involved.
    """

    def __init__(
        self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], stream: IO[str]
    ) -> None:
        self.app = app
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status = "-"

        def recording_start_response(status_line: str, *args: Any) -> Any:
            nonlocal status
            status = status_line.split(" ", 1)[0]
            return start_response(status_line, *args)

        try:
            return self.app(environ, recording_start_response)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            method = environ.get("REQUEST_METHOD", "GET")
            path = environ.get("PATH_INFO") or "/"
            line = f"{method} {path} {status} {elapsed:.1f}ms\n"
            with self._lock:
                self._stream.write(line)
                self._stream.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
