"""Filling a fresh backend from a durable store: accounts, API keys, conferences with
their participants and recordings, calls, the schedule, the clock.

Records go back into the same in-memory stores and indexes the operations use,
oldest first (so every index is built by appends); the creation sequence and the
schedule's sequence go on after the largest loaded one.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
from typing import Any, TypeVar

from ...core.accounts import Account, ApiKey
from ...core.backend import Backend
from ...core.call_store import Call
from ...core.conference_store import Conference
from ...core.participant_store import Participant, ParticipantStore
from ...core.recording_store import Recording, RecordingStore
from ...core.schedule import ScheduledRow
from .codec import CodecError, loads, loads_value
from .database import Database, DataStoreError

T = TypeVar("T")
R = TypeVar("R", Conference, Participant, Recording, Call)


def _records(db: Database, table: str, cls: type[T]) -> list[T]:
    return [loads(cls, row) for row in db.rows(table)]


def _oldest_first(records: list[R]) -> list[R]:
    records.sort(key=lambda r: r.key)
    return records


def load(db: Database, backend: Backend) -> set[str]:
    """Put every saved record into ``backend``; returns the SIDs it now holds."""
    try:
        return _load(db, backend)
    except (CodecError, KeyError, TypeError, ValueError) as error:
        raise DataStoreError(
            f"--data {db.path} holds records this version cannot read ({error})"
        ) from error


def _load(db: Database, backend: Backend) -> set[str]:
    accounts = backend.accounts
    sids: set[str] = set()
    for account in _records(db, "accounts", Account):
        if accounts.get(account.sid) is None:
            backend.add_account(account.sid, account.auth_token)
        sids.add(account.sid)
    for key in _records(db, "api_keys", ApiKey):
        accounts.restore_api_key(key)
        sids.add(key.sid)
    last_seq = -1
    conferences: dict[str, Conference] = {}
    for conference in _oldest_first(_records(db, "conferences", Conference)):
        backend.conference_store(conference.account_sid).add(conference)
        conferences[conference.sid] = conference
        last_seq = max(last_seq, conference.key[1])
    # A conference gets its participant or recording store with its first one.
    live: dict[str, ParticipantStore] = {}
    for participant in _oldest_first(_records(db, "participants", Participant)):
        live.setdefault(participant.conference_sid, ParticipantStore()).add(participant)
        sids.add(participant.cp_sid)
        last_seq = max(last_seq, participant.key[1])
    recorded: dict[str, RecordingStore] = {}
    for recording in _oldest_first(_records(db, "recordings", Recording)):
        recorded.setdefault(recording.conference_sid, RecordingStore()).add(recording)
        backend.recording_store(recording.account_sid).add(recording)
        sids.add(recording.sid)
        last_seq = max(last_seq, recording.key[1])
    for sid, participants in live.items():
        conferences[sid].participants = participants
    for sid, recordings in recorded.items():
        conferences[sid].recordings = recordings
    for call in _oldest_first(_records(db, "calls", Call)):
        backend.call_store(call.account_sid).add(call)
        if call.live and call.direction == "outbound-dial" and call.parent_call_sid is not None:
            backend.calls.adopt_child(call)
        sids.add(call.sid)
        last_seq = max(last_seq, call.key[1])
    sids.update(conferences)
    # The creation sequence orders records made in one second: it goes on after the
    # loaded ones (the backend has no public setter; this is its one other writer).
    backend._seq = itertools.count(last_seq + 1)
    for row in db.rows("schedule"):
        backend.scheduler.restore(_scheduled(row))
    outcomes = db.meta("call_outcomes")
    if outcomes is not None:
        backend.calls.outcomes.update(loads_value(outcomes))
    clock = db.meta("clock")
    if clock is not None:
        frozen, offset = json.loads(clock)
        backend.clock.restore(
            None if frozen is None else _dt.datetime.fromisoformat(frozen),
            _dt.timedelta(seconds=offset),
        )
    return sids


def _scheduled(row: str) -> ScheduledRow:
    data: dict[str, Any] = json.loads(row)
    data["when"] = _dt.datetime.fromisoformat(data["when"])
    return ScheduledRow(**data)


def scheduled_row(row: ScheduledRow) -> str:
    """The JSON row of a scheduled action (its arguments are JSON already)."""
    return json.dumps(
        {
            "seq": row.seq,
            "when": row.when.isoformat(),
            "what": row.what,
            "kind": row.kind,
            "args": dict(row.args),
            "account_sid": row.account_sid,
            "conference_sid": row.conference_sid,
        },
        separators=(",", ":"),
    )


def clock_row(frozen: _dt.datetime | None, offset: _dt.timedelta) -> str:
    return json.dumps([None if frozen is None else frozen.isoformat(), offset.total_seconds()])
