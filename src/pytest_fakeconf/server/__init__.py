"""Server mode: the same fake behind a real HTTP socket, for offline runs and
for clients in any language. ``app`` is the WSGI door, ``control`` the
test-only endpoints, ``page`` the live HTML view, ``runner`` starts and stops a
waitress server, ``cli`` is the ``fakeconf serve`` command."""

from .runner import FakeconfServer

__all__ = ["FakeconfServer"]
