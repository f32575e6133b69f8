"""Path templates and the router both doors share: the API and server control.

A route is declared with a path template in Twilio's OpenAPI spelling
(``/2010-04-01/Accounts/{AccountSid}/Conferences/{Sid}.json``); the router
compiles every template to a regex once and answers, for a method and a path,
the route and its :class:`PathArgs`, or the methods the path takes (a known path
with a wrong method), or nothing (an unknown path).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ..core.backend import Backend
from .messages import ApiRequest, ApiResponse

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class PathArgs(Mapping[str, str]):
    """The parameters of a matched template, by the template's names, as sent
    (percent-encoding kept: Twilio's 404 quotes the path as sent, and a handler
    unquotes what it looks up)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    @property
    def account_sid(self) -> str:
        """``{AccountSid}`` (the account paths' ``{Sid}`` is not an account route here)."""
        return self._values["AccountSid"]

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"PathArgs({self._values!r})"


@dataclass(frozen=True, slots=True)
class Template:
    """A path template and the regex it compiles to (each ``{Name}`` is one segment)."""

    text: str
    names: tuple[str, ...]
    pattern: re.Pattern[str]

    @classmethod
    def compile(cls, text: str) -> Template:
        names = tuple(_PARAMETER.findall(text))
        if len(set(names)) != len(names):
            raise ValueError(f"a parameter repeats in the template {text!r}")
        parts = _PARAMETER.split(text)  # literal, name, literal, name, …, literal
        regex = "".join(
            f"(?P<{part}>[^/]+)" if i % 2 else re.escape(part) for i, part in enumerate(parts)
        )
        return cls(text, names, re.compile(regex + r"\Z"))

    def match(self, path: str) -> PathArgs | None:
        found = self.pattern.match(path)
        return None if found is None else PathArgs(found.groupdict())


Handler = Callable[[Backend, ApiRequest, PathArgs], ApiResponse]
"""An API handler: parse the request, call the core, answer (or raise a TwilioError)."""


@dataclass(frozen=True, slots=True)
class Route:
    """One operation of Twilio's API, as its OpenAPI document names it.

    ``template`` is the document's path (``{AccountSid}`` included), ``operation_id``
    its operationId, ``list_key`` the key of a list operation's items (None for
    any other operation).
    """

    method: str
    template: str
    operation_id: str
    handler: Handler
    list_key: str | None = None


class Declared(Protocol):
    """What the router needs of a route declaration."""

    @property
    def method(self) -> str: ...

    @property
    def template(self) -> str: ...


R = TypeVar("R", bound=Declared)


@dataclass(frozen=True, slots=True)
class Resolved(Generic[R]):
    """A known path: its route for the method (None: the path does not take it),
    the template's arguments, and the methods the path takes."""

    route: R | None
    args: PathArgs
    allowed: tuple[str, ...]


class Router(Generic[R]):
    """Routes by template, in declaration order; one ``(method, template)`` each."""

    def __init__(self, routes: Iterable[R]) -> None:
        self.routes: tuple[R, ...] = tuple(routes)
        by_template: dict[str, dict[str, R]] = {}
        for route in self.routes:
            methods = by_template.setdefault(route.template, {})
            if route.method in methods:
                raise ValueError(f"{route.method} {route.template} is declared twice")
            methods[route.method] = route
        self._table = tuple(
            (Template.compile(template), methods) for template, methods in by_template.items()
        )

    def resolve(self, method: str, path: str) -> Resolved[R] | None:
        """The route for ``method`` on ``path``; None when no template matches ``path``."""
        for template, methods in self._table:
            args = template.match(path)
            if args is not None:
                return Resolved(methods.get(method), args, tuple(methods))
        return None
