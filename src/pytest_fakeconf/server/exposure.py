"""Who may reach the control endpoints and the live page, and how the page is framed.

A browser visiting some web site can be made to send requests to a server on the
visitor's own machine (a page's ``fetch`` to ``127.0.0.1:8080``, or DNS rebinding: a
name that resolves to 127.0.0.1). Such requests carry the attacker's name in
``Host``. The control endpoints and the live page therefore answer only requests
whose ``Host`` is the server's own: ``127.0.0.1``, ``localhost``, ``[::1]`` or the
address it was told to bind (``--host``), with the port it listens on, or a name
allowed with ``--allow-host`` (``name`` for any port, ``name:port`` for one). Others
get 403. Twilio's API paths answer any ``Host``: an app may reach the server under
whatever name its network gives it.

The live page comes with a Content-Security-Policy allowing only its own inline
script and style (by their SHA-256) and requests to the server itself, and with
``nosniff``, ``no-referrer`` and ``DENY`` framing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_INLINE = re.compile(rb"<(script|style)(?:\s[^>]*)?>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


class HostCheck:
    """Whether a ``Host`` header names this server (see the module docstring)."""

    def __init__(self, bound_host: str, allowed: Iterable[str] = ()) -> None:
        bound = f"[{bound_host}]" if ":" in bound_host else bound_host
        self._names = {*LOOPBACK, bound.lower()}
        self._any_port: set[str] = set()
        self._exact: set[str] = set()
        for entry in allowed:
            name, port = _split(entry.strip().lower())
            if port is None:
                self._any_port.add(name)
            else:
                self._exact.add(f"{name}:{port}")

    def allows(self, host_header: str | None, port: int | str) -> bool:
        if not host_header:
            return False
        host = host_header.strip().lower()
        name, given = _split(host)
        if name in self._any_port or host in self._exact:
            return True
        return name in self._names and (given or "80") == str(port)


def _split(host: str) -> tuple[str, str | None]:
    """``name`` and ``port`` of ``name[:port]`` (``[v6]:port`` too)."""
    if host.startswith("["):
        end = host.find("]")
        name, rest = host[: end + 1], host[end + 1 :]
        return name, rest[1:] if rest.startswith(":") and rest[1:] else None
    name, colon, port = host.rpartition(":")
    return (name, port) if colon and name and port else (host, None)


@lru_cache(maxsize=4)
def page_headers(content: bytes) -> dict[str, str]:
    """The security headers of the live page whose HTML is ``content``."""
    hashes: dict[bytes, list[str]] = {b"script": [], b"style": []}
    for match in _INLINE.finditer(content):
        digest = base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode()
        hashes[match.group(1).lower()].append(f"'sha256-{digest}'")
    policy = "; ".join(
        (
            "default-src 'self'",
            " ".join(("script-src 'self'", *hashes[b"script"])),
            " ".join(("style-src 'self'", *hashes[b"style"])),
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
