"""Starting and stopping a threaded waitress server around a fake."""

from __future__ import annotations

import contextlib
import threading
from types import TracebackType
from typing import Any

from ..fake import FakeTwilio
from .app import ServerApp


class FakeconfServer:
    """A real HTTP server answering as Twilio, on ``host:port`` (0: any free port).

    Point an official client at :attr:`base_url` (twilio-python:
    ``client.api.base_url = server.base_url``). Needs the ``server`` extra
    (waitress).
    """

    def __init__(
        self,
        fake: FakeTwilio | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
    ) -> None:
        self.fake = fake if fake is not None else FakeTwilio()
        self.app = ServerApp(self.fake)
        self._host, self._port, self._threads = host, port, threads
        self._server: Any = None
        self._thread: threading.Thread | None = None

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
        self._server = create_server(
            self.app,
            host=self._host,
            port=self._port,
            threads=self._threads,
            ident="fakeconf",
            asyncore_loop_timeout=0.1,  # how soon stop() is noticed
        )

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (e.g. from a signal handler)."""
        if self._server is None:
            self.create()
        with contextlib.suppress(OSError):  # the socket closed under run() during stop()
            self._server.run()

    def start(self) -> FakeconfServer:
        """Serve in a background thread."""
        if self._server is None:
            self.create()
        self._thread = threading.Thread(target=self.serve_forever, name="fakeconf", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            # Open keep-alive connections keep waitress's loop alive: close them.
            for channel in list(getattr(server, "_map", {}).values()):
                with contextlib.suppress(OSError):
                    channel.close()
            task_dispatcher = getattr(server, "task_dispatcher", None)
            if task_dispatcher is not None:
                task_dispatcher.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
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
