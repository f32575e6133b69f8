"""Errors that carry Twilio's error code, message and HTTP status, and their catalogue.

One class serves the HTTP API (which turns it into Twilio's error body) and the
scripting API (where it is raised to the test). It subclasses ``ValueError``
because every such error means "this input is not acceptable here".

Every code the fake answers has ONE named constructor below; nothing else in the
package builds a :class:`TwilioError` (``tests/test_architecture.py`` checks it).
"""

from __future__ import annotations

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class FakeconfError(Exception):
    """Base class of every error pytest-fakeconf raises on purpose."""


class TwilioError(FakeconfError, ValueError):
    """An error Twilio would answer with ``{"code", "message", "more_info", "status"}``.

    Attributes:
        status: the HTTP status (400, 404, …).
        code: Twilio's error code (20404, 16001, …).
        message: what went wrong.
        more_info: ``https://www.twilio.com/docs/errors/{code}``.
    """

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


# -- the REST API's generic codes ---------------------------------------------
def not_found(path: str, note: str = "") -> NotFoundError:
    """404 / 20404 for a path that names nothing (``note`` says why, if it helps)."""
    return NotFoundError(path, note)


def invalid_parameter(message: str) -> TwilioError:
    """400 / 20001: a parameter Twilio would refuse."""
    return TwilioError(400, 20001, message)


def unauthorized() -> TwilioError:
    """401 / 20003 (answered with ``WWW-Authenticate``)."""
    return TwilioError(401, 20003, "Authenticate")


def method_not_allowed() -> TwilioError:
    """405 / 20004."""
    return TwilioError(405, 20004, "Method not allowed")


def page_size_too_large(size: int, maximum: int) -> TwilioError:
    """400 / 20007 (FIDELITY: F17)."""
    return TwilioError(
        400, 20007, f"Page size too large: PageSize={size}; the maximum page size is {maximum}"
    )


def request_too_large(what: str) -> TwilioError:
    """413 / 20413: a request over server mode's limits (FIDELITY: F71)."""
    return TwilioError(413, 20413, f"Request too large: {what}")


# Twilio's bodies for the statuses a fault may answer. The codes and messages are the
# names of Twilio's error dictionary entries 20429, 20500 and 20503; ../shared/reference
# does not record a real 429/500/503 body, so the exact text is a guess (FIDELITY: F50).
SERVICE_ERRORS = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


def service_error(status: int) -> TwilioError:
    """429 / 20429, 500 / 20500 or 503 / 20503 (see :data:`SERVICE_ERRORS`)."""
    code, message = SERVICE_ERRORS[status]
    return TwilioError(status, code, message)


def internal_error() -> TwilioError:
    """500 / 20500: the fake failed (always a bug in the fake)."""
    return service_error(500)


# -- parameters of a participant create ---------------------------------------
def to_required() -> TwilioError:
    return TwilioError(400, 21201, "No 'To' number is specified")


def invalid_url(name: str, value: str) -> TwilioError:
    return TwilioError(400, 21205, f"{name} is not a valid URL: {value[:200]}")


def from_required() -> TwilioError:
    return TwilioError(400, 21213, "'From' phone number is required")


# -- conferences and participants ---------------------------------------------
def conference_not_active(sid: str) -> TwilioError:
    """16001 (code guessed; twilio-node #663 shows a 400: FIDELITY F10)."""
    return TwilioError(
        400, 16001, f"Conference {sid} is not currently active; it is already completed"
    )


# The participant rule errors are HTTP 400 (FIDELITY: F11).
def conference_full() -> TwilioError:
    return TwilioError(400, 16020, "Conference is full")


def conference_not_found_or_completed() -> TwilioError:
    return TwilioError(
        400,
        16022,
        "The requested conference sid or friendly name refers to a non-existent "
        "or completed conference",
    )


def invalid_label() -> TwilioError:
    return TwilioError(
        400,
        16024,
        "Invalid participant label, must not exceed 128 characters, "
        "must not be a CallSid, must not contain '/'",
    )


def label_in_use() -> TwilioError:
    return TwilioError(400, 16026, "Participant label is in use by another participant")


def coaching_requires_target() -> TwilioError:
    return TwilioError(400, 16028, "Coaching requires CallSidToCoach")


def coach_target_missing() -> TwilioError:
    return TwilioError(400, 16028, "Participant to be whispered is not present in the conference")


def duplicate_conference(sid: str) -> TwilioError:
    return TwilioError(409, 16099, f"Conference {sid} already exists")


def conference_name_active(friendly_name: str, other_sid: str) -> TwilioError:
    return TwilioError(
        409,
        16099,
        f"Conference '{friendly_name}' is already active as {other_sid}; "
        "only one conference per friendly name may be active at a time",
    )


def participant_gone(call_sid: str) -> TwilioError:
    """404 / 20404 for an operation on a participant that already left."""
    return TwilioError(404, 20404, f"Participant {call_sid} is no longer in the conference")


# -- recordings -----------------------------------------------------------------
def recording_transition_refused(sid: str, status: str, wanted: str) -> TwilioError:
    return invalid_parameter(f"Recording {sid} is {status} and cannot be set to {wanted}")


def recording_conference_ended(conference_sid: str) -> TwilioError:
    return invalid_parameter(f"Conference {conference_sid} has ended; its recording cannot change")


# -- TwiML (dial-in) --------------------------------------------------------------
def http_retrieval_failure(url: str, why: object) -> TwilioError:
    """11200: the app did not answer the voice webhook with a 2xx."""
    return TwilioError(400, 11200, f"HTTP retrieval failure: {url} ({why})")


def document_parse_failure(message: str) -> TwilioError:
    """12100: the TwiML does not parse."""
    return TwilioError(400, 12100, f"Document parse failure: {message}")


def schema_validation_warning(message: str) -> TwilioError:
    """12200: the TwiML parses but is not valid TwiML."""
    return TwilioError(400, 12200, f"Schema validation warning: {message}")


def verb_not_allowed_in_conference_twiml(verb: str, where: str) -> TwilioError:
    """13238: a verb other than ``<Play>``, ``<Say>``, ``<Pause>``, ``<Redirect>`` in a
    conference's wait, hold or announce TwiML (calls reference §6, ERR-13238)."""
    return TwilioError(
        400, 13238, f"<{verb}> is not allowed in {where} TwiML (only Play, Say, Pause, Redirect)"
    )


def coach_not_in_conference(call_sid: str) -> TwilioError:
    """13240: ``<Conference coach>`` names a call not in the conference (REST: 16028)."""
    return TwilioError(
        400, 13240, f"Conference: the call to coach ({call_sid}) is not in the conference"
    )


# -- calls (../shared/reference/twilio-calls-and-twiml.md §1.6, §1.8, §1.9) --------
def instructions_required() -> TwilioError:
    """21205: a call create with none of ``Url``, ``Twiml``, ``ApplicationSid``
    (twilio-node #275)."""
    return TwilioError(
        400,
        21205,
        "Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml",
    )


def twiml_apps_unsupported() -> TwilioError:
    """A call create with ``ApplicationSid``: Twilio would run the app; the fake has no apps.
    (20001, Twilio's generic invalid-parameter code; a fake-specific refusal.)"""
    return TwilioError(
        400,
        20001,
        "ApplicationSid: pytest-fakeconf does not support TwiML apps; pass Url or Twiml",
    )


def twiml_too_long(length: int) -> TwilioError:
    """32018: ``Twiml`` over 4,000 characters."""
    return TwilioError(
        400, 32018, f"Twiml size exceeded maximum allowed value of 4000 characters (got {length})"
    )


def invalid_send_digits(value: str) -> TwilioError:
    """21206: ``SendDigits`` not 1-32 of ``0-9 A-D # * w W``."""
    return TwilioError(400, 21206, f"Invalid SendDigits: {value[:100]}")


def invalid_timeout(value: str) -> TwilioError:
    """21208: ``Timeout`` not an integer from 1 to 600."""
    return TwilioError(400, 21208, f"Invalid Timeout value: {value[:100]}")


def invalid_method(name: str, value: str) -> TwilioError:
    """21209: a ``*Method`` that is not GET or POST."""
    return TwilioError(400, 21209, f"Invalid {name}: {value[:100]} is not GET or POST")


def invalid_status_callback_events() -> TwilioError:
    """21626: a ``StatusCallbackEvent`` outside ``initiated ringing answered completed``."""
    return TwilioError(400, 21626, "One or more of the StatusCallbackEvents provided were invalid")


def call_not_in_progress() -> TwilioError:
    """21220: redirecting (or ending) a call that is not in progress (yap #570)."""
    return TwilioError(400, 21220, "Call is not in-progress. Cannot redirect.")


def url_and_twiml_exclusive() -> TwilioError:
    """Update with both ``Url`` and ``Twiml``: "mutually exclusive" (code UNVERIFIED:
    20001; FIDELITY F63)."""
    return TwilioError(400, 20001, "Url and Twiml are mutually exclusive; pass one of them")


def call_in_progress_cannot_delete(sid: str) -> TwilioError:
    """DELETE of a live call: "an error will occur" (code UNVERIFIED: 400/20001; FIDELITY F63)."""
    return TwilioError(400, 20001, f"Call {sid} is in progress and cannot be deleted; end it first")
