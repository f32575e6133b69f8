"""``fakeconf serve``: run the fake as a local HTTP server for offline runs."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from ..fake import FakeTwilio
from .runner import FakeconfServer

USAGE_NOTES = """
Point a client at the printed base URL:
  python:  client = Client(ACCOUNT_SID, AUTH_TOKEN); client.api.base_url = BASE_URL
  node:    twilio(ACCOUNT_SID, AUTH_TOKEN) with client.api.baseUrl = BASE_URL
  curl:    curl -u ACCOUNT_SID:AUTH_TOKEN BASE_URL/2010-04-01/Accounts/ACCOUNT_SID/Conferences.json
The live page is at the base URL; control endpoints are under /_fakeconf/ (see the README).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fakeconf", description="pytest-fakeconf tools")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the fake Twilio Conference API over HTTP",
        epilog=USAGE_NOTES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one")
    serve.add_argument("--account-sid", help="the account SID clients must use (AC…)")
    serve.add_argument("--auth-token", help="the auth token clients must use")
    serve.add_argument("--seed", default="fakeconf", help="seed of SIDs and default credentials")
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    args = parser.parse_args(argv)

    try:
        fake = FakeTwilio(seed=args.seed, account_sid=args.account_sid, auth_token=args.auth_token)
    except ValueError as error:
        parser.error(str(error))
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0 to 65535")
    server = FakeconfServer(fake, host=args.host, port=args.port, threads=args.threads)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
