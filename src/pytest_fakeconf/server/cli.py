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
from ..fake import FakeTwilio
from .runner import FakeconfServer

USAGE_NOTES = """
Point a client at the printed base URL:
  python:  client = Client(ACCOUNT_SID, AUTH_TOKEN); client.api.base_url = BASE_URL
  node:    twilio(ACCOUNT_SID, AUTH_TOKEN) with client.api.baseUrl = BASE_URL
  curl:    curl -u ACCOUNT_SID:AUTH_TOKEN BASE_URL/2010-04-01/Accounts/ACCOUNT_SID/Conferences.json
The live page is at the base URL; control endpoints are under /_fakeconf/ (see the README).
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
        "--log-requests",
        action="store_true",
        help="print one line per request to stderr: method, path, status, milliseconds "
        "(default: off)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    try:
        fake = FakeTwilio(
            seed=args.seed,
            account_sid=args.account_sid,
            auth_token=args.auth_token,
            conference_list_default=args.conference_list_default,
        )
    except ValueError as error:
        parser.error(str(error))
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0 to 65535")
    server = FakeconfServer(fake, host=args.host, port=args.port, threads=args.threads)
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
    server.serve_forever()
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
