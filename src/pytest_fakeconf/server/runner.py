"""Starting and stopping a threaded waitress server around a fake."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..core.bounded import SERVER_JOURNAL_SIZE
from ..fake import FakeTwilio
from .app import ServerApp
from .limits import MAX_BODY_BYTES, too_large_channel

if TYPE_CHECKING:
    from .durable.store import DurableStore


class FakeconfServer:
    """A real HTTP server answering as Twilio, on ``host:port`` (0: any free port).

    Point an official client at :attr:`base_url` (twilio-python:
    ``client.api.base_url = server.base_url``). Needs the ``server`` extra
    (waitress). Without a ``fake``, it serves a new one whose journals keep the
    newest 5,000 entries each (``FakeTwilio(journal_size=…)`` to choose).
    ``max_body_bytes`` is the largest request body it reads (a larger one gets
    Twilio's 413 error body); ``allowed_hosts`` are ``Host`` names (``name`` or
    ``name:port``) the live page and the control endpoints answer besides the
    server's own address (see ``server/exposure.py``).
    """

    def __init__(
        self,
        fake: FakeTwilio | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        max_body_bytes: int = MAX_BODY_BYTES,
        allowed_hosts: Iterable[str] = (),
        data: str | Path | None = None,
    ) -> None:
        # A server runs long: without a fake of its own, its journals are bounded.
        self.fake = fake if fake is not None else FakeTwilio(journal_size=SERVER_JOURNAL_SIZE)
        self.app = ServerApp(
            self.fake, max_body_bytes=max_body_bytes, host=host, allowed_hosts=allowed_hosts
        )
        self._max_body_bytes = self.app.max_body_bytes
        self._lock = self.app.lock
        # ``data``: an SQLite file the state is kept in (DataStoreError if it cannot be).
        self.durable: DurableStore | None = None
        if data is not None:
            from .durable.store import DurableStore

            self.durable = DurableStore(data, self.fake)
        self._host, self._port, self._threads = host, port, threads
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._serving = threading.Event()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not started")
        port = self._server.effective_port
        host = self._server.effective_host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def create(self) -> None:
        """Bind the socket (so :attr:`base_url` is known) without serving yet."""
        try:
            from waitress.server import create_server
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "server mode needs waitress: pip install 'pytest-fakeconf[server]'"
            ) from error
        limit = self._max_body_bytes
        self._server = create_server(
            self._wsgi(),
            host=self._host,
            port=self._port,
            threads=self._threads,
            ident="fakeconf",
            max_request_body_size=limit + 1,  # waitress refuses from this size on
        )
        self._server.channel_class = too_large_channel(limit)

    def _wsgi(self) -> Any:
        """What waitress serves: the app, behind the durable store when there is one."""
        if self.durable is None:
            return self.app
        from .durable.store import DurableApp

        return DurableApp(self.app, self.durable, self._lock)

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (from another thread or a signal handler).

        The loop runs one poll at a time so a stop is noticed at once: :meth:`stop`
        wakes the poll through waitress's trigger.
        """
        if self._server is None and not self._stopping.is_set():
            self.create()
        server = self._server
        self._serving.set()
        try:
            while server is not None and not self._stopping.is_set():
                server.asyncore.loop(
                    timeout=1, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1
                )
        finally:
            if server is not None:
                server.task_dispatcher.shutdown()
                server.asyncore.close_all(server._map)
            self._server = None
            self._serving.clear()

    def start(self) -> FakeconfServer:
        """Serve in a background thread (again after a :meth:`stop`, on a new socket)."""
        self._stopping.clear()
        if self._server is None:
            self.create()
        self._thread = threading.Thread(target=self.serve_forever, name="fakeconf", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; safe to call from a signal handler, and more than once."""
        self._stopping.set()
        server = self._server
        if server is not None and not self._serving.is_set():
            # Bound but never served: nobody else will release the socket.
            self._server = None
            server.task_dispatcher.shutdown()
            server.asyncore.close_all(server._map)
        elif server is not None:
            with contextlib.suppress(OSError):
                server.pull_trigger()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> FakeconfServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
