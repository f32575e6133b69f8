"""How much one request may carry in server mode, and Twilio's answer when it carries more.

A body over :data:`MAX_BODY_BYTES` (``fakeconf serve --max-body-bytes``) is refused
with 413 and Twilio's error body before it is read: the app looks at
``Content-Length`` and never reads such a body, a body without one (chunked) is read
only up to the limit, and waitress itself stops receiving a body at the limit
(``max_request_body_size``; for a chunked body it counts the chunks' framing too),
answering through ``too_large_channel`` with the same JSON. A form or query string
with more than :data:`MAX_PARAMETERS` parameters is refused too, before it is
parsed: a 10 MB body of ``a&a&…`` would otherwise become millions of Python strings.
"""

from __future__ import annotations

import json
from typing import IO, Any

from ..core.errors import TwilioError, request_too_large

# FIDELITY: F71 (the limits and Twilio's answer to a request over them)
MAX_BODY_BYTES = 1024 * 1024  # 1 MiB; Twilio's largest form (a TwiML of 4,000 chars) is far less
MAX_PARAMETERS = 1000  # parameters in one form or query string; CreateParticipant takes ~80


class TooLarge(Exception):
    """A request over a limit; ``error`` is Twilio's answer."""

    def __init__(self, error: TwilioError) -> None:
        super().__init__(error.message)
        self.error = error


def check_size(value: int) -> int:
    """A ``max_body_bytes``: a whole number of bytes >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_body_bytes must be a whole number >= 1, got {value!r}")
    return value


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, refused (:class:`TooLarge`) without reading it when it is over
    ``limit``; a body of unknown length (no ``Content-Length``) is read up to ``limit``."""
    stream: IO[bytes] = environ["wsgi.input"]
    declared = environ.get("CONTENT_LENGTH")
    if declared:
        try:
            length = int(declared)
        except ValueError:
            length = 0
        if length > limit:
            raise TooLarge(_over(limit))
        return stream.read(length) if length > 0 else b""
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and no end of input: PEP 3333 says read nothing
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise TooLarge(_over(limit))
    return body


def check_parameters(query: str, body: bytes, form: bool) -> None:
    """Refuse a query string, or a form body, of more than :data:`MAX_PARAMETERS`."""
    fields = query.count("&") + 1 if query else 0
    if form and body:
        fields = max(fields, body.count(b"&") + 1)
    if fields > MAX_PARAMETERS:
        raise TooLarge(request_too_large(f"more than {MAX_PARAMETERS} parameters in one request"))


def _over(limit: int) -> TwilioError:
    return request_too_large(f"the body is over {limit} bytes")


def too_large_channel(limit: int) -> type[Any]:
    """A waitress channel class that answers a body waitress stopped receiving at
    ``limit`` (its ``max_request_body_size``) with Twilio's 413 body instead of its own
    plain text."""
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask
    from waitress.utilities import RequestEntityTooLarge

    class TooLargeTask(ErrorTask):  # type: ignore[misc]
        def execute(self) -> None:
            if not isinstance(self.request.error, RequestEntityTooLarge):
                super().execute()
                return
            body = json.dumps(_over(limit).body()).encode()
            self.status = "413 Request Entity Too Large"
            self.response_headers.append(("Content-Type", "application/json; charset=utf-8"))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class TooLargeChannel(HTTPChannel):  # type: ignore[misc]
        error_task_class = TooLargeTask

    return TooLargeChannel
