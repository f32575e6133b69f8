"""Recording operations: a conference recording starts with the conference and
stops and completes when it ends; tests and the API pause, resume and stop it."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from . import recordings
from .errors import TwilioError
from .models import Conference, Recording
from .recordings import RecordingStore

if TYPE_CHECKING:
    from .backend import Backend


class Recorder:
    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def start(self, conference: Conference, at: _dt.datetime) -> Recording:
        """A new ``in-progress`` recording of the whole conference (source ``Conference``)."""
        backend = self._backend
        if conference.recordings is None:
            conference.recordings = RecordingStore()
        recording = Recording(
            account_sid=conference.account_sid,
            conference_sid=conference.sid,
            sid=backend.sids.sid("RE"),
            key=(int(at.timestamp()), backend.next_seq()),
            date_created=at,
            date_updated=at,
            start_time=at,
            running_since=at,
        )
        conference.recordings.add(recording)
        backend.emit_recording("recording-in-progress", recording, at)
        return recording

    def change(
        self, recording: Recording, status: str, pause_behavior: str, at: _dt.datetime
    ) -> None:
        conference = self._backend.conference_of(recording)
        if not conference.active and status != recording.status:
            raise TwilioError(
                400, 20001, f"Conference {conference.sid} has ended; its recording cannot change"
            )
        before = recording.status
        recordings.change(recording, status, pause_behavior, at)
        if recording.status != before:
            self._backend.emit_recording(f"recording-{recording.status}", recording, at)

    def settle(self, recording: Recording, at: _dt.datetime) -> None:
        """A stopped recording is processed (instantly, here) and completed."""
        if recording.status == "stopped":
            recordings.complete(recording, at)
            self._backend.emit_recording("recording-completed", recording, at)

    def finish(self, conference: Conference, at: _dt.datetime) -> None:
        """The conference ended: its running recording stops and completes."""
        store = conference.recordings
        current = store.current() if store is not None else None
        if current is not None:
            self.change(current, "stopped", "silence", at)
            self.settle(current, at)

    def delete(self, recording: Recording) -> None:
        store = self._backend.conference_of(recording).recordings
        if store is not None:
            store.remove(recording)
