"""The durable copy behind a server's in-memory fake (``fakeconf serve --data``).

The fake keeps serving from its in-memory stores and indexes; this module keeps an
SQLite copy in step. While a request runs, the records it touches are noted: from
the events the backend emits (a conference, a participant's conference, a call, a
recording's conference), from the SIDs its path names (a delete emits no event),
and from the scheduler (an action added, cancelled or run). When the request is
answered, :meth:`DurableStore.flush` writes what was noted in one transaction,
committed before the response leaves (:class:`DurableApp`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ...core.backend import Backend
from ...core.conference_store import Conference
from ...core.events import Event
from ...core.schedule import ScheduledRow, _Entry
from ...fake import FakeTwilio
from .codec import dumps, dumps_value
from .database import Database
from .load import clock_row, load, scheduled_row

_SID = re.compile(r"(CF|CA|RE)[0-9a-f]{32}")
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class DurableStore:
    """An open ``--data`` store attached to one fake."""

    def __init__(self, path: str | Path, fake: FakeTwilio) -> None:
        """Open (or create) the store at ``path`` and load it into ``fake``, which must
        be freshly built; :class:`DataStoreError` when the store cannot be used."""
        self._db = Database(path)
        self._fake = fake
        self.loaded = 0  # conferences found in the store when it was opened
        try:
            self._attach(fake._backend, fresh=False)
        except BaseException:
            self._db.close()
            raise

    @property
    def path(self) -> Path:
        return self._db.path

    def _attach(self, backend: Backend, *, fresh: bool) -> None:
        """Follow ``backend``: load the store into it (or, ``fresh``, after a reset,
        empty the store), start it on a new generation of SIDs, save what it holds."""
        self._backend = backend
        self._conferences: set[str] = set()
        self._calls: set[str] = set()
        self._recordings: set[str] = set()
        self._entries: dict[int, _Entry] = {}
        self._saved: set[str] = set()  # the conferences the store holds
        generation = int(self._db.meta("generation") or -1) + 1
        with self._db.transaction():
            if fresh:
                self._db.wipe()
            else:
                taken = load(self._db, backend)
                self._saved = {c.sid for c in self._every_conference()}
                self.loaded = len(self._saved)
                backend.sids.reserve(taken)
            # Each start draws from a new stream: never a SID the store had before.
            backend.sids.salt(generation)
            self._db.set_meta("generation", str(generation))
            self._accounts = self._keys = -1
            self._clock = backend.clock.state
            self._outcomes = dict(backend.calls.outcomes)
            self._save_accounts()
        backend.events.subscribe(self._heard)
        for entry in backend.scheduler.watch(self._entries_changed):
            self._entries[entry.seq] = entry

    # -- noting what changed ----------------------------------------------------------
    def _heard(self, event: Event) -> None:
        if event.conference_sid:
            self._conferences.add(event.conference_sid)
        call_sid = event.data.get("call_sid")
        if isinstance(call_sid, str):
            self._calls.add(call_sid)

    def _entries_changed(self, entry: _Entry) -> None:
        if entry.kind is not None:
            self._entries[entry.seq] = entry

    def note_path(self, path: str) -> None:
        """Note the records a request path names (what a delete changes)."""
        for match in _SID.finditer(path):
            sid = match.group(0)
            kind = match.group(1)
            if kind == "CF":
                self._conferences.add(sid)
            elif kind == "CA":
                self._calls.add(sid)
            else:
                self._recordings.add(sid)

    # -- writing it -------------------------------------------------------------------
    def flush(self) -> None:
        """Write what changed since the last flush, in one transaction."""
        backend = self._fake._backend
        if backend is not self._backend:  # the fake was reset
            self._attach(backend, fresh=True)
            return
        accounts = backend.accounts
        held = self._held()  # conferences the fake holds: the flush does not change it
        changed = (
            self._conferences
            or self._calls
            or self._recordings
            or self._entries
            or self._clock != backend.clock.state
            or self._outcomes != backend.calls.outcomes
            or self._accounts != len(accounts.all())
            or self._keys != len(accounts.api_keys())
            or held != len(self._saved)
        )
        if not changed:
            return
        with self._db.transaction() as db:
            self._save_accounts()
            if self._clock != backend.clock.state:
                self._clock = backend.clock.state
                self._db.set_meta("clock", clock_row(*self._clock))
            if self._outcomes != backend.calls.outcomes:
                self._outcomes = dict(backend.calls.outcomes)
                self._db.set_meta("call_outcomes", dumps_value(self._outcomes))
            for sid in self._recordings:
                recording = self._find(sid, backend.recording_store)
                if recording is None:
                    db.execute("DELETE FROM recordings WHERE sid = ?", (sid,))
                else:
                    self._conferences.add(recording.conference_sid)
            for sid in self._conferences:
                self._save_conference(db, sid)
            if held != len(self._saved):
                self._reconcile(db)
            for sid in self._calls:
                call = self._find(sid, backend.call_store)
                if call is None:
                    db.execute("DELETE FROM calls WHERE sid = ?", (sid,))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO calls (sid, data) VALUES (?, ?)", (sid, dumps(call))
                    )
            for seq, entry in self._entries.items():
                row = ScheduledRow.of(entry)
                if row is None:
                    db.execute("DELETE FROM schedule WHERE seq = ?", (seq,))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO schedule (seq, data) VALUES (?, ?)",
                        (seq, scheduled_row(row)),
                    )
        self._conferences.clear()
        self._calls.clear()
        self._recordings.clear()
        self._entries.clear()

    def _every_conference(self) -> Iterator[Conference]:
        for account in self._backend.accounts.all():
            yield from self._backend.conference_store(account.sid).newest_first()

    def _held(self) -> int:
        """How many conferences the fake holds (every account's)."""
        backend = self._backend
        return sum(len(backend.conference_store(a.sid)) for a in backend.accounts.all())

    def _reconcile(self, db: Any) -> None:
        """Conferences added or dropped without an event (a seeded history goes into
        the store directly): found by their count, saved or deleted by a walk."""
        held = {c.sid for c in self._every_conference()}
        for sid in (held - self._saved) | (self._saved - held):
            self._save_conference(db, sid)

    def _find(self, sid: str, store_of: Callable[[str], Any]) -> Any:
        for account in self._backend.accounts.all():
            found = store_of(account.sid).get(sid)
            if found is not None:
                return found
        return None

    def _save_conference(self, db: Any, sid: str) -> None:
        """A conference with its live participants and its recordings, or its rows
        gone when it is (a provisional conference that never came to be)."""
        conference = self._find(sid, self._backend.conference_store)
        if conference is None:
            db.execute("DELETE FROM participants WHERE conference_sid = ?", (sid,))
            db.execute("DELETE FROM recordings WHERE conference_sid = ?", (sid,))
            db.execute("DELETE FROM conferences WHERE sid = ?", (sid,))
            self._saved.discard(sid)
            return
        self._saved.add(sid)
        db.execute(
            "INSERT OR REPLACE INTO conferences (sid, data) VALUES (?, ?)",
            (sid, dumps(conference)),
        )
        # A conference's participant and recording stores, once made, stay: without
        # one, it never had a row of that kind.
        if conference.participants is not None:
            db.execute("DELETE FROM participants WHERE conference_sid = ?", (sid,))
            db.executemany(
                "INSERT INTO participants (conference_sid, call_sid, data) VALUES (?, ?, ?)",
                [(sid, p.call_sid, dumps(p)) for p in conference.participants.newest_first()],
            )
        if conference.recordings is not None:
            db.execute("DELETE FROM recordings WHERE conference_sid = ?", (sid,))
            db.executemany(
                "INSERT INTO recordings (sid, conference_sid, data) VALUES (?, ?, ?)",
                [(r.sid, sid, dumps(r)) for r in conference.recordings.newest_first()],
            )

    def _save_accounts(self) -> None:
        accounts = self._backend.accounts
        every, keys = accounts.all(), accounts.api_keys()
        if len(every) != self._accounts:
            self._accounts = len(every)
            for account in every:
                self._db.set_row("accounts", account.sid, dumps(account))
        if len(keys) != self._keys:
            self._keys = len(keys)
            for key in keys:
                self._db.set_row("api_keys", key.sid, dumps(key))

    def close(self) -> None:
        self._db.close()


class DurableApp:
    """WSGI middleware: after the wrapped app answered a request, and before the answer
    is sent, the store writes what the request changed (under the server's lock)."""

    def __init__(self, app: WsgiApp, store: DurableStore, lock: threading.Lock) -> None:
        self.app = app
        self.store = store
        self._lock = lock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            return self.app(environ, start_response)
        finally:
            with self._lock:
                if environ.get("REQUEST_METHOD", "GET").upper() not in ("GET", "HEAD"):
                    self.store.note_path(environ.get("PATH_INFO") or "")
                self.store.flush()
