"""Errors that carry Twilio's error code, message and HTTP status.

One class serves the HTTP API (which turns it into Twilio's error body) and the
scripting API (where it is raised to the test). It subclasses ``ValueError``
because every such error means "this input is not acceptable here".
"""

from __future__ import annotations

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class FakeconfError(Exception):
    """Base class of every error pytest-fakeconf raises on purpose."""


class TwilioError(FakeconfError, ValueError):
    """An error Twilio would answer with ``{"code", "message", "more_info", "status"}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status}/{code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def more_info(self) -> str:
        return MORE_INFO.format(code=self.code)

    def body(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": self.more_info,
            "status": self.status,
        }


class NotFoundError(TwilioError, LookupError):
    """404 / 20404: the requested resource does not exist."""

    def __init__(self, path: str, note: str = "") -> None:
        super().__init__(404, 20404, f"The requested resource {path} was not found{note}")


def invalid(message: str, code: int = 20001) -> TwilioError:
    """A 400 for a parameter Twilio would refuse."""
    return TwilioError(400, code, message)
