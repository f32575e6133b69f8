"""Validate the fake's HTTP responses against Twilio's own OpenAPI document.

Usage::

    from tests.oai import SpecViolation, validate_response  # or ``from .oai`` within tests/

    validate_response("GET", "/2010-04-01/Accounts/AC…/Conferences/CF….json", 200, body)

The document (``twilio_api_v2010.json`` from twilio/twilio-oai) is located via the
environment variable ``FAKECONF_TWILIO_OAI`` or, if that is unset, at
``<repo root>/../shared/twilio-oai/twilio_api_v2010.json``. It is loaded and
prepared once per process.

What is checked, by status class:

* 2xx: the status must be declared for the operation. A response without content
  (204) must have an empty body; otherwise the body is validated with
  ``OAS30Validator`` against the declared schema, plus two Twilio-fidelity rules
  that are stricter than the document (see ``_prepare``).
* 4xx: Twilio's legacy 2010 error body (see ``_check_error_body``).
* 5xx: always a violation; the fake must never answer 5xx.
"""

from __future__ import annotations

import email.utils
import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import FormatChecker  # type: ignore[import-untyped]
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from pytest_fakeconf.api.routes import ROUTES

if TYPE_CHECKING:
    from referencing._core import Resolver  # public type, private module

__all__ = ["SpecViolation", "validate_response"]

ENV_VAR = "FAKECONF_TWILIO_OAI"
_DEFAULT_PATH = (
    Path(__file__).resolve().parent.parent.parent / "shared/twilio-oai/twilio_api_v2010.json"
)
# The prepared document is registered under this URI, so that every
# ``#/components/...`` reference resolves against the whole document.
_DOC_URI = "urn:fakeconf:twilio-api-v2010"
# What the fake implements, from its route registry: the paths checked, and the
# list key each list operation must use.
_TEMPLATES = frozenset(route.template for route in ROUTES)
_LIST_KEYS = {route.operation_id: route.list_key for route in ROUTES if route.list_key}
_ENVELOPE_KEYS = frozenset(
    {
        "first_page_uri",
        "next_page_uri",
        "previous_page_uri",
        "uri",
        "page",
        "page_size",
        "start",
        "end",
    }
)
_METHODS = ("get", "post", "put", "patch", "delete")
_MAX_LISTED_ERRORS = 20


class SpecViolation(AssertionError):
    """A response does not match Twilio's OpenAPI document (or Twilio's wire conventions)."""


# --------------------------------------------------------------------------- dates

_RFC2822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$"
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _is_rfc2822(value: object) -> bool:
    """Twilio's ``date-time-rfc-2822``, exactly like ``Fri, 18 Feb 2011 19:26:50 +0000``.

    Raises ValueError with the reason (jsonschema attaches it as the error's cause).
    """
    if not isinstance(value, str):
        return True  # the ``type`` keyword reports non-strings
    match = _RFC2822.fullmatch(value)  # (``$`` alone would accept a trailing newline)
    if match is None:
        raise ValueError("expected the form 'Fri, 18 Feb 2011 19:26:50 +0000'")
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a valid date: {exc}") from exc
    actual = _WEEKDAYS[parsed.weekday()]
    if actual != match.group(1):
        raise ValueError(f"weekday is {actual}, not {match.group(1)}")
    return True


def _format_checker() -> Any:
    checker = FormatChecker(formats=())
    checker.checkers.update(oas30_format_checker.checkers)
    # ``uri`` is deliberately not checked: Twilio's URIs are host-relative.
    checker.checks("date-time-rfc-2822", raises=ValueError)(_is_rfc2822)
    return checker


# --------------------------------------------------------------------------- loading


def _document_path() -> Path:
    configured = os.environ.get(ENV_VAR)
    path = Path(configured) if configured else _DEFAULT_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"Twilio OpenAPI document not found at {path}. Looked at ${ENV_VAR} "
            f"(= {configured!r}) and the default location {_DEFAULT_PATH}. "
            f"Set {ENV_VAR} to the path of twilio_api_v2010.json."
        )
    return path


@dataclass(frozen=True)
class _Operation:
    operation_id: str
    responses: Mapping[str, Any]


@dataclass(frozen=True)
class _PathItem:
    template: str
    regex: re.Pattern[str]
    operations: Mapping[str, _Operation]  # lower-case method -> operation


@dataclass(frozen=True)
class _Spec:
    paths: tuple[_PathItem, ...]
    validators: Mapping[tuple[str, str], Any]  # (operationId, status) -> OAS30Validator


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^/{}]+\})", template)
    return re.compile(
        "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + r"\Z"
    )


def _component(doc: Mapping[str, Any], ref: str) -> dict[str, Any]:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise RuntimeError(f"unexpected $ref {ref!r} in the Twilio document")
    schema: dict[str, Any] = doc["components"]["schemas"][ref[len(prefix) :]]
    return schema


def _make_exact(schema: dict[str, Any], where: str) -> None:
    """Require exactly the declared properties (Twilio always sends every key, maybe as null)."""
    properties = schema.get("properties")
    if schema.get("type") != "object" or not properties:
        raise RuntimeError(f"{where}: expected an object schema with properties")
    if any("readOnly" in p or "writeOnly" in p for p in properties.values()):
        # OAS30Validator's ``required`` ignores readOnly properties; we rely on it not doing so.
        raise RuntimeError(f"{where}: readOnly/writeOnly properties are not supported")
    schema["required"] = sorted(properties)
    schema["additionalProperties"] = False


def _make_strict(
    doc: Mapping[str, Any], schema: dict[str, Any], operation_id: str, where: str
) -> None:
    """Stricter than the document (Twilio fidelity): a resource has exactly its
    declared keys; a list envelope has exactly the 8 paging keys plus one list key."""
    if "$ref" in schema:  # a single resource
        _make_exact(_component(doc, schema["$ref"]), where)
        return
    properties = schema.get("properties", {})
    list_keys = set(properties) - _ENVELOPE_KEYS
    if set(properties) & _ENVELOPE_KEYS != _ENVELOPE_KEYS or len(list_keys) != 1:
        raise RuntimeError(f"{where}: unexpected list envelope {sorted(properties)}")
    (list_key,) = list_keys
    if _LIST_KEYS.get(operation_id) != list_key:
        raise RuntimeError(
            f"{where}: the document's list key is {list_key!r}, the route registry's "
            f"{_LIST_KEYS.get(operation_id)!r}"
        )
    _make_exact(schema, where)
    _make_exact(_component(doc, properties[list_key]["items"]["$ref"]), where)


def _dereference(schema: Any, resolver: Resolver[Any], seen: tuple[str, ...] = ()) -> Any:
    """Inline every ``$ref`` (resolved against the whole document).

    Done once when preparing: following ``$ref`` at validation time costs about as
    much as validating the resource itself. (In OAS 3.0 a ``$ref``'s siblings are
    ignored, so replacing the whole object is faithful.)
    """
    if isinstance(schema, list):
        return [_dereference(value, resolver, seen) for value in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            raise RuntimeError(f"recursive $ref {ref!r} in the Twilio document")
        resolved = resolver.lookup(ref)
        return _dereference(resolved.contents, resolved.resolver, (*seen, ref))
    return {key: _dereference(value, resolver, seen) for key, value in schema.items()}


def _prepare(doc: dict[str, Any]) -> _Spec:
    """Adjust our private copy of the document, then build path matchers and validators."""
    # 1. Twilio's examples (and its real API) send ``null`` for enum-valued properties,
    # e.g. ``reason_conference_ended: null`` while a conference is in progress, even
    # though those properties are a bare ``$ref`` to an enum schema without
    # ``nullable``. So every enum schema that some property refers to becomes
    # nullable. In OAS 3.0 ``nullable`` does not extend ``enum``, so null is added to
    # the enum as well. (Only responses are validated, so request parameters that
    # share these enum schemas do not matter.)
    for schema in doc["components"]["schemas"].values():
        for prop in schema.get("properties", {}).values():
            target = _component(doc, prop["$ref"]) if "$ref" in prop else {}
            if "enum" in target:
                target["nullable"] = True
                if None not in target["enum"]:
                    target["enum"].append(None)

    paths: list[_PathItem] = []
    for template, item in doc["paths"].items():
        if template in _TEMPLATES:
            operations = {
                method: _Operation(item[method]["operationId"], item[method]["responses"])
                for method in _METHODS
                if method in item
            }
            paths.append(_PathItem(template, _template_regex(template), operations))
    missing = _TEMPLATES - {item.template for item in paths}
    if missing:
        raise RuntimeError(f"registered paths missing from the document: {sorted(missing)}")

    # 2. Exact key sets for resources and list envelopes (see ``_make_strict``).
    response_schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for item in paths:
        for op in item.operations.values():
            for status, response in op.responses.items():
                if response.get("content"):
                    schema = response["content"]["application/json"]["schema"]
                    _make_strict(doc, schema, op.operation_id, f"{op.operation_id} {status}")
                    response_schemas[op.operation_id, status] = schema

    registry: Registry[Any] = Registry().with_resource(_DOC_URI, DRAFT4.create_resource(doc))
    resolver = registry.resolver(_DOC_URI)
    checker = _format_checker()
    validators = {
        key: OAS30Validator(
            _dereference(schema, resolver), registry=registry, format_checker=checker
        )
        for key, schema in response_schemas.items()
    }
    return _Spec(tuple(paths), validators)


@functools.cache
def _spec() -> _Spec:
    with _document_path().open("rb") as fh:
        return _prepare(json.load(fh))


# --------------------------------------------------------------------------- checks


def _json_path(parts: Iterable[str | int]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            path += f".{part}"
        else:
            path += f"[{part!r}]"
    return path


def _schema_errors(validator: Any, body: object) -> list[str]:
    found: list[tuple[list[tuple[bool, str | int]], str]] = []
    for error in validator.iter_errors(body):
        message = error.message
        if message == "None for not nullable":
            continue  # always accompanied by "None is not of type ..."
        if error.validator == "format" and error.cause is not None:
            message = f"{message}: {error.cause}"
        path = list(error.absolute_path)
        found.append(([(isinstance(p, str), p) for p in path], f"{_json_path(path)}: {message}"))
    found.sort()  # document order-ish: the object itself first, then its keys
    return [line for _, line in found]


def _check_error_body(status: int, body: object) -> list[str]:
    """Twilio's legacy error body: ``{code, message, more_info, status}`` plus optional
    ``details``; never the RFC 9457 ``type``/``title`` keys."""
    if not isinstance(body, dict):
        return [f"$: error body must be a JSON object, got {type(body).__name__}"]
    problems: list[str] = []
    if rfc9457 := sorted({"type", "title"} & body.keys()):
        problems.append(
            f"$: {rfc9457} must not be present (the 2010 API uses the legacy error body, "
            "not RFC 9457)"
        )
    missing = sorted({"code", "message", "more_info", "status"} - body.keys())
    allowed = {"code", "message", "more_info", "status", "details", "type", "title"}
    extra = sorted(body.keys() - allowed)
    if missing:
        problems.append(f"$: missing keys {missing}")
    if extra:
        problems.append(f"$: unexpected keys {extra}")

    def is_int(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    code = body.get("code")
    if "code" in body and not is_int(code):
        problems.append(f"$.code: expected an integer, got {code!r}")
    if "message" in body and not isinstance(body["message"], str):
        problems.append(f"$.message: expected a string, got {body['message']!r}")
    if "more_info" in body:
        expected = f"https://www.twilio.com/docs/errors/{code}"
        if body["more_info"] != expected:
            problems.append(f"$.more_info: expected {expected!r}, got {body['more_info']!r}")
    if "status" in body and (not is_int(body["status"]) or body["status"] != status):
        problems.append(f"$.status: expected {status} (the HTTP status), got {body['status']!r}")
    if "details" in body and not isinstance(body["details"], dict):
        problems.append(f"$.details: expected an object, got {body['details']!r}")
    return problems


def _match_path(spec: _Spec, path: str) -> _PathItem:
    for item in spec.paths:
        if item.regex.match(path):
            return item
    raise SpecViolation(
        f"no spec path matches {path!r} (known: {', '.join(i.template for i in spec.paths)})"
    )


def _excerpt(body: bytes | str, limit: int = 500) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return text if len(text) <= limit else text[:limit] + "…"


def validate_response(method: str, path: str, status: int, body: bytes | str) -> None:
    """Raise SpecViolation unless this response is one Twilio's API could have sent.

    ``path`` is the URL path as requested (percent-encoded; a query string is ignored).
    """
    where = f"{method.upper()} {path} -> {status}"
    if 500 <= status <= 599:
        raise SpecViolation(f"{where}: the fake must never answer 5xx. Body: {_excerpt(body)}")
    spec = _spec()
    if 400 <= status <= 499:
        # Twilio's error body is the same on every path, including the ones the
        # fake does not implement (whose 404 says so), so no path is matched.
        problems = _check_error_body(status, _parse_json(where, body))
    elif 200 <= status <= 299:
        item = _match_path(spec, path.partition("?")[0])
        operation = item.operations.get(method.lower())
        if operation is None:
            raise SpecViolation(
                f"{where}: {item.template} has no {method.upper()} operation "
                f"(declared: {', '.join(m.upper() for m in item.operations)})"
            )
        where = f"{where} ({operation.operation_id})"
        response = operation.responses.get(str(status))
        if response is None:
            raise SpecViolation(
                f"{where}: status {status} is not declared "
                f"(declared: {', '.join(operation.responses)})"
            )
        if not response.get("content"):
            if len(body) != 0:
                raise SpecViolation(f"{where}: body must be empty, got {_excerpt(body)!r}")
            return
        validator = spec.validators[operation.operation_id, str(status)]
        parsed = _parse_json(where, body)
        problems = _schema_errors(validator, parsed)
        list_key = _LIST_KEYS.get(operation.operation_id)
        if list_key is not None and not (isinstance(parsed, dict) and list_key in parsed):
            problems.append(f"$: the route registry's list key {list_key!r} is missing")
    else:
        raise SpecViolation(f"{where}: unexpected status class (only 2xx and 4xx are allowed)")

    if problems:
        shown = problems[:_MAX_LISTED_ERRORS]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more")
        raise SpecViolation(f"{where}: response body violates the spec:\n  " + "\n  ".join(shown))


def _parse_json(where: str, body: bytes | str) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecViolation(f"{where}: body is not valid JSON ({exc}): {_excerpt(body)!r}") from exc
