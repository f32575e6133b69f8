"""``python -m room_moderator``: the moderator's commands for a shell or a cron job.

Credentials come from ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from .announce import RoomNotLiveError, announce
from .report import end_reasons_report, format_report
from .rooms import list_live_rooms
from .sweep import end_stale_rooms

ENV_SID = "TWILIO_ACCOUNT_SID"
ENV_TOKEN = "TWILIO_AUTH_TOKEN"


class ConfigError(Exception):
    """The environment does not say which account to use."""


def client_from_env(env: Mapping[str, str]) -> Client:
    missing = [name for name in (ENV_SID, ENV_TOKEN) if not env.get(name)]
    if missing:
        raise ConfigError(f"set {' and '.join(missing)} in the environment")
    return Client(env[ENV_SID], env[ENV_TOKEN])


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="room_moderator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    live = commands.add_parser("live", help="list in-progress rooms")
    live.add_argument("--name", help="only rooms with this friendly name")

    sweep = commands.add_parser("sweep", help="end rooms older than a maximum age")
    sweep.add_argument("--max-age-minutes", type=_positive, required=True)
    sweep.add_argument("--dry-run", action="store_true", help="list what would be ended")

    say = commands.add_parser("announce", help="play a TwiML URL into a room")
    say.add_argument("sid")
    say.add_argument("url")
    say.add_argument("--method", choices=("GET", "POST"), default="POST")

    report = commands.add_parser("report", help="how rooms ended, by reason")
    report.add_argument("--days", type=_positive, default=1, help="days up to today (UTC)")
    return parser


def _run(args: argparse.Namespace, client: Client, out: TextIO) -> int:
    if args.command == "live":
        for room in list_live_rooms(client, friendly_name=args.name):
            print(f"{room.sid}  {room.date_created:%Y-%m-%d %H:%M}  {room.friendly_name}", file=out)
        return 0
    if args.command == "sweep":
        result = end_stale_rooms(
            client, dt.timedelta(minutes=args.max_age_minutes), dry_run=args.dry_run
        )
        verb = "would end" if args.dry_run else "ended"
        for room in result.ended:
            print(f"{verb} {room.sid}  {room.friendly_name}", file=out)
        for room, outcome in result.skipped:
            print(f"skipped {room.sid}  {outcome.outcome}", file=out)
        print(
            f"{len(result.ended)} {verb}, {len(result.skipped)} skipped, {len(result.kept)} kept",
            file=out,
        )
        return 0
    if args.command == "announce":
        room = announce(client, args.sid, args.url, method=args.method)
        print(f"announced into {room.sid}  {room.friendly_name}", file=out)
        return 0
    today = dt.datetime.now(dt.timezone.utc).date()
    first_day = today - dt.timedelta(days=args.days - 1)
    print(format_report(end_reasons_report(client, first_day, today)), file=out)
    return 0


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run one command; returns the exit status (0 ok, 1 Twilio refused, 2 bad usage)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    args = build_parser().parse_args(argv)
    try:
        client = client_from_env(os.environ if env is None else env)
        return _run(args, client, out)
    except ConfigError as error:
        print(f"room_moderator: {error}", file=err)
        return 2
    except RoomNotLiveError as error:
        print(f"room_moderator: {error}", file=err)
        return 1
    except TwilioRestException as error:
        print(
            f"room_moderator: Twilio answered {error.status} (code {error.code}): {error.msg}",
            file=err,
        )
        return 1
    except TwilioException as error:
        # Paging (list/stream) reports a refused page as a bare TwilioException
        # whose second argument is the HTTP response.
        message, *rest = error.args or ("Twilio refused the request",)
        response = rest[0] if rest else None
        detail = f" {response.status_code}: {response.text}" if response is not None else ""
        print(f"room_moderator: {message}{detail}", file=err)
        return 1
