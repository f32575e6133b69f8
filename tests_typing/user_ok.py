"""A user's typed test module: mypy --strict must accept it (checked by .ci/run)."""

from __future__ import annotations

import datetime as dt

from pytest_fakeconf import ConferenceHandle, FakeTwilio, TwilioError


def end_room(fakeconf: FakeTwilio) -> ConferenceHandle:
    room = fakeconf.create_conference("Sales", status="init", region="ie1")
    room.end("last-participant-left", at=room.date_created + dt.timedelta(minutes=5))
    fakeconf.set_call_outcome("+15005550006", "busy")
    fakeconf.set_call_outcome(
        "+15005550007", "answer", answered_by="machine_end_beep", ring_for=dt.timedelta(seconds=9)
    )
    return room


def code_of(error: TwilioError) -> int:
    return error.code
