"""Performance figures of participants: joining and leaving a full conference,
and a whole call flow, each as a ratio against a Conference fetch measured in
the same run (see ``benchmarks/README.md``). Run with ``--quick`` for CI."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bench_conferences import (
    FULL,
    QUICK,
    Config,
    Side,
    check,
    check_no_crash,
    compare,
    info,
    report,
)
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

FULL_ROOM = 250  # Twilio's platform maximum and the default MaxParticipants


def fetch_side(fake: FakeTwilio, client: Client, sid: str) -> Side:
    def fetch() -> Any:
        return client.conferences(sid).fetch()

    def valid(instance: Any) -> None:
        check(instance.sid == sid, "fetched the wrong conference")

    return Side("fetch", fetch, valid, fake.start, lambda: _leave(fake))


def _leave(fake: FakeTwilio) -> None:
    fake.stop()
    fake._journal.clear()


def figure_join_leave(config: Config, args: argparse.Namespace) -> bool:
    """One participant joins a conference of 249 (making it 250) and is kicked, over HTTP."""
    fake = FakeTwilio(seed="bench-join-leave")
    room = fake.create_conference("full room")
    for _ in range(FULL_ROOM - 1):
        room.add_participant()
    client = Client(fake.account_sid, fake.auth_token)
    participants = client.conferences(room.sid).participants

    def join_and_leave() -> Any:
        joined = participants.create(from_="+15005550006", to="+15005550001")
        return joined, participants(joined.call_sid).delete()

    def valid(result: Any) -> None:
        joined, deleted = result
        check(joined.status == "queued" and deleted is True, "join/leave did not answer")
        check(len(room.participants) == FULL_ROOM - 1, "the room did not go back to 249")
        check(room.status == "in-progress", "the room ended")

    a = Side("join+kick", join_and_leave, valid, fake.start, lambda: _leave(fake))
    b = fetch_side(fake, client, room.sid)
    result = compare(a, b, config)
    check_no_crash(fake)
    info(f"6-join-leave-250: one HTTP create + one HTTP delete in a room of {FULL_ROOM - 1}")
    return report("6-join-leave-250", a, b, result, None)


def figure_script_join_leave(config: Config, args: argparse.Namespace) -> bool:
    """The same through the scripting API (no HTTP): add_participant() + kick()."""
    fake = FakeTwilio(seed="bench-script-join-leave")
    room = fake.create_conference("full room")
    for _ in range(FULL_ROOM - 1):
        room.add_participant()
    client = Client(fake.account_sid, fake.auth_token)

    def join_and_leave() -> Any:
        participant = room.add_participant()
        participant.kick()
        return participant

    def valid(participant: Any) -> None:
        check(participant.status == "complete", "the participant did not leave")
        check(len(room.participants) == FULL_ROOM - 1, "the room did not go back to 249")

    a = Side("script", join_and_leave, valid)
    b = fetch_side(fake, client, room.sid)
    result = compare(a, b, config)
    check_no_crash(fake)
    return report("7-script-join-leave-250", a, b, result, None)


def figure_call_flow(config: Config, args: argparse.Namespace) -> bool:
    """Two callers dial in by name, the app lists and mutes, the moderator is kicked."""
    fake = FakeTwilio(seed="bench-call-flow")
    baseline = fake.create_conference("baseline room")
    client = Client(fake.account_sid, fake.auth_token)

    def call_flow() -> Any:
        by_name = client.conferences("Daily standup").participants
        moderator = by_name.create(
            from_="+15005550006", to="+15005550001", end_conference_on_exit=True
        )
        guest = by_name.create(from_="+15005550006", to="+15005550002", label="guest")
        room = client.conferences(moderator.conference_sid)
        listed = room.participants.list()
        room.participants("guest").update(muted=True)
        room.participants(moderator.call_sid).delete()
        return room.fetch(), listed, guest

    def valid(result: Any) -> None:
        room, listed, guest = result
        check(len(listed) == 2, "the flow did not list two participants")
        check(room.status == "completed", f"the room is {room.status}")
        check(
            room.reason_conference_ended == "participant-with-end-conference-on-exit-kicked",
            f"ended for {room.reason_conference_ended}",
        )
        check(guest.conference_sid == room.sid, "the guest joined another room")

    a = Side("call flow", call_flow, valid, fake.start, lambda: _leave(fake))
    b = fetch_side(fake, client, baseline.sid)
    result = compare(a, b, config)
    check_no_crash(fake)
    info("8-call-flow: 6 HTTP requests (2 creates, list, update, delete, fetch) per flow")
    return report("8-call-flow", a, b, result, None)


def figure_twiml_call(config: Config, args: argparse.Namespace) -> bool:
    """A call created over HTTP fetches its TwiML from a WSGI app (signed, in-process),
    joins the conference it names, and hangs up over HTTP."""
    fake = FakeTwilio(seed="bench-twiml-call")
    baseline = fake.create_conference("baseline room")
    client = Client(fake.account_sid, fake.auth_token)
    twiml = b"<Response><Dial><Conference>Support</Conference></Dial></Response>"

    def voice_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [twiml]

    fake.route_webhooks("https://app.example", voice_app)

    def twiml_call() -> Any:
        call = client.calls.create(
            to="+15005550001", from_="+15005550006", url="https://app.example/voice"
        )
        joined = fake.conferences[0].participants if fake.conferences else []
        in_room = [p.call_sid for p in joined]
        return call, in_room, client.calls(call.sid).update(status="completed")

    def valid(result: Any) -> None:
        call, in_room, ended = result
        check(call.sid in in_room, "the call did not join the conference its TwiML names")
        check(ended.status == "completed", f"the call is {ended.status}")
        check(fake.alerts == [], f"alerts: {fake.alerts}")

    a = Side("twiml call", twiml_call, valid, fake.start, lambda: _leave(fake))
    b = fetch_side(fake, client, baseline.sid)
    result = compare(a, b, config)
    check_no_crash(fake)
    info("9-twiml-call: calls.create (TwiML fetched, conference joined) + calls.update(completed)")
    return report("9-twiml-call", a, b, result, None)


def figure_ivr_call(config: Config, args: argparse.Namespace) -> bool:
    """An IVR: a call created over HTTP fetches a PIN prompt (<Gather>), the caller
    presses the PIN, the action's TwiML joins the conference; hung up over HTTP."""
    fake = FakeTwilio(seed="bench-ivr-call")
    baseline = fake.create_conference("baseline room")
    client = Client(fake.account_sid, fake.auth_token)
    documents = {
        "/voice": b'<Response><Gather action="/pin" numDigits="4"><Say>PIN?</Say></Gather>'
        b"<Say>Goodbye</Say></Response>",
        "/pin": b"<Response><Dial><Conference>Support</Conference></Dial></Response>",
    }

    def voice_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [documents[environ["PATH_INFO"]]]

    fake.route_webhooks("https://app.example", voice_app)

    def ivr_call() -> Any:
        created = client.calls.create(
            to="+15005550001", from_="+15005550006", url="https://app.example/voice"
        )
        call = fake.get_call(created.sid)
        gathering = call.gathering
        call.press("1234")
        joined = call.conference_sid
        return gathering, joined, client.calls(created.sid).update(status="completed")

    def valid(result: Any) -> None:
        gathering, joined, ended = result
        check(gathering, "the call did not wait in its <Gather>")
        check(joined is not None, "the PIN did not join the conference")
        check(ended.status == "completed", f"the call is {ended.status}")
        check(fake.alerts == [], f"alerts: {fake.alerts}")

    a = Side("ivr call", ivr_call, valid, fake.start, lambda: _leave(fake))
    b = fetch_side(fake, client, baseline.sid)
    result = compare(a, b, config)
    check_no_crash(fake)
    info("10-ivr-call: calls.create (<Gather> fetched) + press (action fetched, conference")
    info("  joined) + calls.update(completed): 2 HTTP requests and 2 TwiML fetches per flow")
    return report("10-ivr-call", a, b, result, None)


FIGURES = {
    "join-leave": figure_join_leave,
    "script-join-leave": figure_script_join_leave,
    "call-flow": figure_call_flow,
    "twiml-call": figure_twiml_call,
    "ivr-call": figure_ivr_call,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run (CI)")
    parser.add_argument("--only", choices=sorted(FIGURES), action="append")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    info(f"pytest-fakeconf participant benchmarks ({'quick' if args.quick else 'full'})")
    for name, run in FIGURES.items():
        if not args.only or name in args.only:
            run(config, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
