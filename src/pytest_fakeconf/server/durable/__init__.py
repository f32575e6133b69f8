"""Server mode's durable store (``fakeconf serve --data PATH``): an SQLite copy of the
fake's state, written per request, loaded on start. ``database`` opens the file,
``codec`` turns records into rows, ``load`` fills a fresh fake, ``store`` notes what
each request changed and writes it."""

from .database import DataStoreError

__all__ = ["DataStoreError"]
