"""A user's typo that mypy must reject: not one of Twilio's end reasons (checked by .ci/run)."""

from __future__ import annotations

from pytest_fakeconf import FakeTwilio


def end_room(fakeconf: FakeTwilio) -> None:
    fakeconf.create_conference("Sales").end("bogus-reason")
