"""The SQLite file behind a durable server: its tables, and opening it safely.

WAL journal, ``synchronous=NORMAL`` (a committed transaction survives the process
being killed; only a power loss may take the last ones), and an exclusive lock for
the life of the connection: two servers never share one store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

FORMAT = "1"  # bumped when rows written by an older version cannot be read

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conferences (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS participants (
    conference_sid TEXT NOT NULL, call_sid TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (conference_sid, call_sid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recordings (
    sid TEXT PRIMARY KEY, conference_sid TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS recordings_of_conference ON recordings (conference_sid);
CREATE TABLE IF NOT EXISTS calls (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schedule (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""
TABLES = ("accounts", "api_keys", "conferences", "participants", "recordings", "calls", "schedule")


class DataStoreError(Exception):
    """The store cannot be used: a message for a person, no traceback needed."""


class Database:
    """One open store file. Every method runs under the server's request lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=0
            )
        except sqlite3.Error as error:
            raise DataStoreError(f"cannot open --data {self.path}: {error}") from error
        try:
            self._setup()
        except sqlite3.Error as error:
            self._db.close()
            raise DataStoreError(_explain(self.path, error)) from error
        except DataStoreError:
            self._db.close()  # let go of the file (and its lock) at once
            raise

    def _setup(self) -> None:
        db = self._db
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":  # pragma: no cover - only on file systems without WAL support
            raise sqlite3.OperationalError(f"WAL journal unavailable (got {mode})")
        db.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache: a seeded history of 100,000 conferences is written (and
        # a restart reads it) without going back to the file for B-tree pages.
        db.execute("PRAGMA cache_size=-65536")
        with self.transaction():  # takes the exclusive lock, holds it until close
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
        found = self.meta("format")
        if found is None:
            with self.transaction():
                self.set_meta("format", FORMAT)
        elif found != FORMAT:
            raise DataStoreError(
                f"--data {self.path} was written in store format {found}; this version "
                f"reads format {FORMAT}"
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def set_row(self, table: str, sid: str, data: str) -> None:
        assert table in ("accounts", "api_keys")
        self._db.execute(f"INSERT OR REPLACE INTO {table} (sid, data) VALUES (?, ?)", (sid, data))

    def rows(self, table: str) -> Iterable[str]:
        """The ``data`` column of every row of ``table``."""
        assert table in TABLES
        return (row[0] for row in self._db.execute(f"SELECT data FROM {table}"))

    def wipe(self) -> None:
        """Every record gone (the fake was reset); call inside a transaction."""
        for table in TABLES:
            self._db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        self._db.close()


def _explain(path: Path, error: sqlite3.Error) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"--data {path} is in use by another process (a fakeconf server already runs on it)"
    if "not a database" in text or "malformed" in text:
        return f"--data {path} is not a fakeconf store (not an SQLite database, or corrupt)"
    return f"cannot use --data {path}: {text}"
