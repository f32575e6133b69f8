"""Recording operations: a conference recording starts with the conference and
stops and completes when it ends; tests and the API pause, resume and stop it.

Each public method is one use-case (check, stamp, mutate, settle, in its own
event batch); the record, its store and its state transitions are in
:mod:`.recording_store`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import TYPE_CHECKING, NamedTuple

from . import errors, recording_store
from .conference_store import Conference
from .recording_store import Recording, RecordingStore
from .schedule import Action, Args
from .vocabulary import (
    PAUSE_BEHAVIORS,
    RECORDING_STATUSES,
    EventKind,
    PauseBehavior,
    RecordingStatus,
    one_of,
)

if TYPE_CHECKING:
    from .backend import Backend

# The event a recording's new status is reported as.
_EVENTS: dict[RecordingStatus, EventKind] = {
    "in-progress": "recording-in-progress",
    "paused": "recording-paused",
    "stopped": "recording-stopped",
    "completed": "recording-completed",
}


class Updated(NamedTuple):
    """An update: the recording, and a copy of it as the update left it (before
    the fake's instant processing completes a stopped one), which is what
    Twilio's answer to the update shows."""

    recording: Recording
    answered: Recording


class Recordings:
    """The recording use-cases of one fake."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        # How long a stopped recording stays ``processing`` (FIDELITY: F23).
        self.processing = _dt.timedelta(0)
        backend.scheduler.register("recording-processed", self._processed_from)

    def _processed_from(self, args: Args) -> Action | None:
        """A scheduled end of processing rebuilt from data (``Scheduler.restore``)."""
        recording = self._backend.recording_store(args["account"]).get(args["recording"])
        if recording is None:
            return None
        return lambda moment: self._processed(recording, moment)

    def start(
        self, conference: Conference, at: _dt.datetime, call_sid: str | None = None
    ) -> Recording:
        """A new ``in-progress`` recording of the whole conference (source ``Conference``);
        ``call_sid`` is the participant whose join started it (FIDELITY: F21)."""
        backend = self._backend
        with backend.events.batch():
            conference.recordings = RecordingStore()  # a conference starts, so records, once
            recording = Recording(
                account_sid=conference.account_sid,
                conference_sid=conference.sid,
                sid=backend.sids.sid("RE"),
                key=(int(at.timestamp()), backend.next_seq()),
                date_created=at,
                date_updated=at,
                start_time=at,
                running_since=at,
                call_sid=call_sid,
            )
            conference.recordings.add(recording)
            backend.recording_store(conference.account_sid).add(recording)  # §7: listed there too
            backend.emit_recording("recording-in-progress", recording, at)
        return recording

    def update(
        self,
        recording: Recording,
        status: RecordingStatus,
        pause_behavior: PauseBehavior = "silence",
    ) -> Updated:
        """``paused`` (``pause_behavior`` ``skip`` leaves the pause out of the
        duration, ``silence`` keeps it), ``in-progress`` (resume) or ``stopped``
        (then processed and completed) now; 20001 for a change Twilio refuses."""
        one_of("status", status, RECORDING_STATUSES)
        one_of("pause_behavior", pause_behavior, PAUSE_BEHAVIORS)
        backend = self._backend
        with backend.events.batch():
            now, _ = backend.moment(None, recording.date_updated)
            self._change(recording, status, pause_behavior, now)
            answered = dataclasses.replace(recording)
            self._settle(recording, now)
        return Updated(recording, answered)

    def _change(
        self,
        recording: Recording,
        status: RecordingStatus,
        pause_behavior: PauseBehavior,
        at: _dt.datetime,
    ) -> None:
        conference = self._backend.conference_of(recording)
        if not conference.active and status != recording.status:
            raise errors.recording_conference_ended(conference.sid)
        before = recording.status
        recording_store.change(recording, status, pause_behavior, at)
        if recording.status != before:
            self._backend.emit_recording(_EVENTS[recording.status], recording, at)

    def _settle(self, recording: Recording, at: _dt.datetime) -> None:
        """A stopped recording is ``processing``, then, :attr:`processing` later (at
        once by default), ``completed`` or ``absent`` (FIDELITY: F22, F23)."""
        if recording.status != "stopped":
            return
        backend = self._backend
        recording_store.process(recording, at)
        backend.emit_recording("recording-processing", recording, at)
        if not self.processing:
            self._processed(recording, at)
            return
        backend.scheduler.at(
            at + self.processing,
            f"process recording {recording.sid}",
            lambda moment: self._processed(recording, moment),
            kind="recording-processed",
            args={"account": recording.account_sid, "recording": recording.sid},
        )

    def _processed(self, recording: Recording, at: _dt.datetime) -> None:
        store = self._backend.recording_store(recording.account_sid)
        if recording.status != "processing" or store.get(recording.sid) is not recording:
            return  # deleted meanwhile: nothing to report
        kept = recording_store.complete(recording, at)
        kind: EventKind = "recording-completed" if kept else "recording-absent"
        self._backend.emit_recording(kind, recording, at)

    def finish(self, conference: Conference, at: _dt.datetime) -> None:
        """Settling of a conference end: its running recording stops and completes."""
        store = conference.recordings
        current = store.current() if store is not None else None
        if current is not None:
            self._change(current, "stopped", "silence", at)
            self._settle(current, at)

    def get(self, account_sid: str, sid: str) -> Recording | None:
        """A recording of the account, whatever its conference (``/Recordings/{Sid}``)."""
        return self._backend.recording_store(account_sid).get(sid)

    def delete(self, recording: Recording) -> None:
        """``DELETE …/Recordings/{Sid}.json``: gone from the conference's list and the
        account's, in any state, a running one included (FIDELITY: F24)."""
        with self._backend.events.batch():
            store = self._backend.conference_of(recording).recordings
            assert store is not None  # it holds every recording of its conference
            store.remove(recording)
            self._backend.recording_store(recording.account_sid).remove(recording)
