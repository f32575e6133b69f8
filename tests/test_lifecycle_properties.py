"""Random conference lifecycles against a plain-Python model of Twilio's rules.

A hypothesis state machine creates conferences, lets calls join (scripted and
over HTTP), leave, be kicked, be muted or held, schedules leaves and ends,
ends conferences over the API and moves the frozen clock. After every step the
fake must agree with the model, written from the reference alone
(``shared/reference/twilio-conference-api.md`` §5.1-§5.4, §6):

* at most one active (``init``/``in-progress``) conference per friendly name;
* a conference is ``in-progress`` only once two were connected, one of them
  with ``start_conference_on_enter`` (or a test created it in progress);
* a completed one has one of the five reasons, a ``CA`` call unless it ended
  via the API, and no participants; an active one has neither;
* status only moves forward; ``date_updated`` never goes backwards and is
  never before ``date_created``;
* a recorded conference has one recording, running while the conference is
  active and completed, with the conference's running time, after it ended.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from freezegun import freeze_time
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import ConferenceHandle, FakeTwilio, ParticipantHandle, TwilioError

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
API = "https://api.twilio.com"
NAMES = ("alpha", "beta", "gamma")
LABELS = (None, None, "host", "guest")
VIA_API = "conference-ended-via-api"
REASONS = (
    VIA_API,
    "participant-with-end-conference-on-exit-left",
    "participant-with-end-conference-on-exit-kicked",
    "last-participant-kicked",
    "last-participant-left",
)
RANK = {"init": 0, "in-progress": 1, "completed": 2}
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
ANY_CALL = "any CA sid"  # a scheduled participant-reason end names a generated call


@dataclass
class Call:
    call_sid: str
    conference_sid: str
    label: str | None
    start_conference_on_enter: bool
    end_conference_on_exit: bool
    muted: bool
    hold: bool


@dataclass
class Room:
    """What the model expects of one conference."""

    sid: str
    name: str
    handle: ConferenceHandle
    status: str
    created: dt.datetime
    updated: dt.datetime
    born_in_progress: bool
    started: dt.datetime | None = None  # by two connected calls, one starting it
    reason: str | None = None
    ending_call: str | None = None
    record: bool | None = None  # the first participant's ConferenceRecord
    live: dict[str, Call] = field(default_factory=dict)
    # what the fake last showed, to check it only moves forward
    seen_status: str = "init"
    seen_updated: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.status != "completed"


@dataclass(order=True)
class Pending:
    when: dt.datetime
    seq: int
    kind: str = field(compare=False)  # "leave", "kick" or "end"
    target: str = field(compare=False)  # call SID or conference SID
    reason: str = field(default="", compare=False)


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.freezer = freeze_time(T0)
        self.frozen = self.freezer.start()
        self.fake = FakeTwilio(seed="lifecycle-properties")
        self.fake.start()
        self.client = Client(self.fake.account_sid, self.fake.auth_token)
        self.http = requests.Session()
        self.http.auth = (self.fake.account_sid, self.fake.auth_token)
        self.base = f"{API}/2010-04-01/Accounts/{self.fake.account_sid}/Conferences"
        self.rooms: dict[str, Room] = {}
        self.calls: dict[str, Call] = {}
        self.pending: list[Pending] = []
        self.seq = 0
        self.numbers = 0

    def teardown(self) -> None:
        self.fake.stop()
        self.freezer.stop()
        assert self.fake.crashes == []

    # -- the model ---------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC).replace(microsecond=0)

    def active_named(self, name: str) -> Room | None:
        found = [r for r in self.rooms.values() if r.name == name and r.active]
        assert len(found) <= 1
        return found[0] if found else None

    def live_calls(self) -> list[Call]:
        return [c for r in self.rooms.values() for c in r.live.values()]

    def joined(self, room: Room, call: Call, record: bool) -> None:
        if room.record is None:
            room.record = record  # conference-wide settings: the first participant's
        room.live[call.call_sid] = call
        self.calls[call.call_sid] = call
        connected = list(room.live.values())
        if (
            room.status == "init"
            and len(connected) >= 2
            and any(c.start_conference_on_enter for c in connected)
        ):
            room.status = "in-progress"
            room.started = room.updated = self.now()

    def left(self, call: Call, kicked: bool, at: dt.datetime) -> None:
        room = self.rooms[call.conference_sid]
        del room.live[call.call_sid]
        how = "kicked" if kicked else "left"
        if call.end_conference_on_exit:
            self.ended(room, f"participant-with-end-conference-on-exit-{how}", call.call_sid, at)
        elif not room.live:
            self.ended(room, f"last-participant-{how}", call.call_sid, at)

    def ended(self, room: Room, reason: str, call_sid: str | None, at: dt.datetime) -> None:
        room.status = "completed"
        room.reason = reason
        room.ending_call = call_sid
        room.updated = max(at, room.updated)
        room.live.clear()

    def apply_due(self) -> None:
        """What the fake does by now: due scheduled actions, in time order."""
        now = self.now()
        due = sorted(p for p in self.pending if p.when <= now)
        self.pending = [p for p in self.pending if p.when > now]
        for action in due:
            if action.kind == "end":
                room = self.rooms[action.target]
                if room.active:
                    ending = None if action.reason == VIA_API else ANY_CALL
                    self.ended(room, action.reason, ending, action.when)
            else:
                call = self.calls[action.target]
                if call.call_sid in self.rooms[call.conference_sid].live:
                    self.left(call, action.kind == "kick", action.when)

    def handle_of(self, call: Call) -> ParticipantHandle:
        room = self.rooms[call.conference_sid]
        (found,) = [p for p in room.handle.participants if p.call_sid == call.call_sid]
        return found

    def new_room(self, handle: ConferenceHandle, born_in_progress: bool) -> Room:
        now = self.now()
        room = Room(
            sid=handle.sid,
            name=handle.friendly_name,
            handle=handle,
            status="in-progress" if born_in_progress else "init",
            created=now,
            updated=now,
            born_in_progress=born_in_progress,
        )
        self.rooms[room.sid] = room
        return room

    # -- rules -------------------------------------------------------------------------------
    @rule(name=st.sampled_from(NAMES), in_progress=st.booleans())
    def create_conference(self, name: str, in_progress: bool) -> None:
        self.apply_due()
        status = "in-progress" if in_progress else "init"
        if self.active_named(name) is not None:
            with pytest.raises(TwilioError):
                self.fake.create_conference(name, status=status)
            return
        handle = self.fake.create_conference(name, status=status)
        self.new_room(handle, in_progress)

    @precondition(lambda self: bool(self.rooms))
    @rule(
        data=st.data(),
        label=st.sampled_from(LABELS),
        start=st.booleans(),
        end=st.booleans(),
        muted=st.booleans(),
        hold=st.booleans(),
    )
    def join(
        self,
        data: st.DataObject,
        label: str | None,
        start: bool,
        end: bool,
        muted: bool,
        hold: bool,
    ) -> None:
        self.apply_due()
        room = data.draw(st.sampled_from(sorted(self.rooms.values(), key=lambda r: r.sid)))
        kwargs: dict[str, Any] = dict(
            label=label,
            start_conference_on_enter=start,
            end_conference_on_exit=end,
            muted=muted,
            hold=hold,
        )
        if not room.active:
            with pytest.raises(TwilioError) as raised:
                room.handle.add_participant(**kwargs)
            assert raised.value.code == 16022
            return
        if label is not None and any(c.label == label for c in room.live.values()):
            with pytest.raises(TwilioError) as raised:
                room.handle.add_participant(**kwargs)
            assert raised.value.code == 16026
            return
        participant = room.handle.add_participant(**kwargs)
        assert participant.status == "connected"
        call = Call(participant.call_sid, room.sid, label, start, end, muted, hold)
        self.joined(room, call, record=False)

    @rule(
        data=st.data(),
        by_sid=st.booleans(),
        label=st.sampled_from(LABELS),
        start=st.booleans(),
        end=st.booleans(),
        record=st.booleans(),
    )
    def dial_over_http(
        self,
        data: st.DataObject,
        by_sid: bool,
        label: str | None,
        start: bool,
        end: bool,
        record: bool,
    ) -> None:
        """CreateParticipant by friendly name (joins the active one or creates
        one, §5.2) or by SID (fails unless that conference is active)."""
        self.apply_due()
        room: Room | None
        if by_sid and self.rooms:
            room = data.draw(st.sampled_from(sorted(self.rooms.values(), key=lambda r: r.sid)))
            target = room.sid
        else:
            target = data.draw(st.sampled_from(NAMES))
            room = self.active_named(target)
        self.numbers += 1
        kwargs: dict[str, Any] = dict(
            from_="+15005550006",
            to=f"+1500555{self.numbers:04d}",
            start_conference_on_enter=start,
            end_conference_on_exit=end,
        )
        if label is not None:
            kwargs["label"] = label
        if record:
            kwargs["conference_record"] = "record-from-start"
        expected_code = None
        if room is not None and not room.active:
            expected_code = 16022
        elif room is not None and any(c.label == label for c in room.live.values() if label):
            expected_code = 16026
        if expected_code is not None:
            with pytest.raises(TwilioRestException) as raised:
                self.client.conferences(target).participants.create(**kwargs)
            assert (raised.value.status, raised.value.code) == (400, expected_code)
            return
        created = self.client.conferences(target).participants.create(**kwargs)
        assert created.status == "queued"
        assert created.call_sid is not None and created.conference_sid is not None
        if room is None:
            assert created.conference_sid not in self.rooms
            room = self.new_room(self.fake.get_conference(created.conference_sid), False)
        assert created.conference_sid == room.sid
        call = Call(created.call_sid, room.sid, label, start, end, False, False)
        self.joined(room, call, record)

    @precondition(lambda self: bool(self.live_calls()))
    @rule(data=st.data(), how=st.sampled_from(("hang up", "kick", "HTTP DELETE")))
    def leave(self, data: st.DataObject, how: str) -> None:
        self.apply_due()
        if not self.live_calls():
            return
        call = data.draw(st.sampled_from(sorted(self.live_calls(), key=lambda c: c.call_sid)))
        if how == "hang up":
            self.handle_of(call).leave()
        elif how == "kick":
            self.handle_of(call).kick()
        else:
            deleted = self.client.conferences(call.conference_sid).participants(call.call_sid)
            assert deleted.delete() is True
        self.left(call, kicked=how != "hang up", at=self.now())

    @precondition(lambda self: bool(self.live_calls()))
    @rule(
        data=st.data(),
        muted=st.none() | st.booleans(),
        hold=st.none() | st.booleans(),
        end=st.none() | st.booleans(),
    )
    def update_over_http(
        self, data: st.DataObject, muted: bool | None, hold: bool | None, end: bool | None
    ) -> None:
        self.apply_due()
        if not self.live_calls():
            return
        call = data.draw(st.sampled_from(sorted(self.live_calls(), key=lambda c: c.call_sid)))
        form = {
            key: "true" if value else "false"
            for key, value in (("Muted", muted), ("Hold", hold), ("EndConferenceOnExit", end))
            if value is not None
        }
        url = f"{self.base}/{call.conference_sid}/Participants/{call.call_sid}.json"
        response = self.http.post(url, data=form)
        assert response.status_code == 200, response.text
        call.muted = call.muted if muted is None else muted
        call.hold = call.hold if hold is None else hold
        if end is not None:
            call.end_conference_on_exit = end
        body = response.json()
        assert (body["muted"], body["hold"], body["end_conference_on_exit"]) == (
            call.muted,
            call.hold,
            call.end_conference_on_exit,
        )

    @precondition(lambda self: bool(self.rooms))
    @rule(data=st.data(), raw=st.booleans())
    def end_via_api(self, data: st.DataObject, raw: bool) -> None:
        self.apply_due()
        room = data.draw(st.sampled_from(sorted(self.rooms.values(), key=lambda r: r.sid)))
        if raw:
            response = self.http.post(f"{self.base}/{room.sid}.json", data={"Status": "completed"})
            status = response.status_code
        else:
            try:
                self.client.conferences(room.sid).update(status="completed")
                status = 200
            except TwilioRestException as error:
                status = error.status
        # Ending a conference that is not active is a 400 (§2.2, twilio-node #663).
        assert status == (200 if room.active else 400)
        if room.active:
            self.ended(room, VIA_API, None, self.now())

    @precondition(lambda self: bool(self.live_calls()))
    @rule(data=st.data(), kicked=st.booleans(), delay=st.integers(min_value=1, max_value=1800))
    def schedule_leave(self, data: st.DataObject, kicked: bool, delay: int) -> None:
        self.apply_due()
        if not self.live_calls():
            return
        call = data.draw(st.sampled_from(sorted(self.live_calls(), key=lambda c: c.call_sid)))
        when = self.now() + dt.timedelta(seconds=delay)
        participant = self.handle_of(call)
        scheduled = participant.kick(at=when) if kicked else participant.leave(at=when)
        assert scheduled is not None and scheduled.when == when
        self.pending.append(Pending(when, self.seq, "kick" if kicked else "leave", call.call_sid))
        self.seq += 1

    @precondition(lambda self: any(r.active for r in self.rooms.values()))
    @rule(
        data=st.data(),
        reason=st.sampled_from(REASONS),
        delay=st.integers(min_value=1, max_value=1800),
    )
    def schedule_end(self, data: st.DataObject, reason: str, delay: int) -> None:
        self.apply_due()
        active = sorted((r for r in self.rooms.values() if r.active), key=lambda r: r.sid)
        if not active:
            return
        room = data.draw(st.sampled_from(active))
        when = self.now() + dt.timedelta(seconds=delay)
        scheduled = room.handle.end(reason, at=when)
        assert scheduled is not None and scheduled.when == when
        self.pending.append(Pending(when, self.seq, "end", room.sid, reason))
        self.seq += 1

    @rule(seconds=st.integers(min_value=0, max_value=1200))
    def time_passes(self, seconds: int) -> None:
        self.frozen.tick(dt.timedelta(seconds=seconds))
        self.apply_due()

    # -- invariants ------------------------------------------------------------------------
    @invariant()
    def one_active_conference_per_name(self) -> None:
        active = Counter(c.friendly_name for c in self.fake.conferences if c.status != "completed")
        assert all(count == 1 for count in active.values()), active

    @invariant()
    def conferences_agree_with_the_model(self) -> None:
        self.apply_due()
        handles = self.fake.conferences
        assert {c.sid for c in handles} == set(self.rooms)
        for handle in handles:
            room = self.rooms[handle.sid]
            status = handle.status
            updated = handle.date_updated
            # status only moves forward; date_updated never goes backwards
            assert RANK[status] >= RANK[room.seen_status], (room.seen_status, status)
            assert updated >= handle.date_created
            if room.seen_updated is not None:
                assert updated >= room.seen_updated
            room.seen_status, room.seen_updated = status, updated

            assert status == room.status
            assert handle.date_created == room.created
            assert updated == room.updated
            reason = handle.reason_conference_ended
            ending = handle.call_sid_ending_conference
            if status == "completed":
                assert reason in REASONS
                assert reason == room.reason
                if reason == VIA_API:
                    assert ending is None
                else:
                    assert ending is not None and CALL_SID.fullmatch(ending)
                    if room.ending_call != ANY_CALL:
                        assert ending == room.ending_call
            else:
                assert reason is None and ending is None
            if status == "in-progress":
                # §5.1: two connected, one with start_conference_on_enter
                assert room.born_in_progress or room.started is not None

    @invariant()
    def participants_over_http_are_the_live_calls(self) -> None:
        for room in self.rooms.values():
            response = self.http.get(f"{self.base}/{room.sid}/Participants.json")
            assert response.status_code == 200, response.text
            listed = {p["call_sid"]: p for p in response.json()["participants"]}
            assert set(listed) == set(room.live)
            if room.status == "completed":
                assert listed == {}  # §5.4: only live participants exist
            for call_sid, item in listed.items():
                call = room.live[call_sid]
                assert item["status"] == "connected"
                assert (item["muted"], item["hold"], item["label"]) == (
                    call.muted,
                    call.hold,
                    call.label,
                )
                assert item["start_conference_on_enter"] == call.start_conference_on_enter
                assert item["end_conference_on_exit"] == call.end_conference_on_exit

    @invariant()
    def recordings_follow_the_conference(self) -> None:
        for room in self.rooms.values():
            recordings = room.handle.recordings
            if not (room.record and room.started is not None):
                assert recordings == []
                continue
            (recording,) = recordings
            assert recording.start_time == room.started
            if room.active:
                assert (recording.status, recording.duration) == ("in-progress", None)
            else:
                length = int((room.updated - room.started).total_seconds())
                # under a second there is nothing to keep: absent, 16101 (FIDELITY F22)
                assert recording.status == ("completed" if length >= 1 else "absent")
                assert recording.duration == length


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = settings(
    # 30 runs of up to 25 steps: ~750 steps, each followed by every invariant (one GET per
    # room over HTTP); it was the suite's longest test at 50 runs (~6 s of CPU).
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
