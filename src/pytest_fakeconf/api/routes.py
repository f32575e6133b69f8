"""The one route registry: every operation the fake implements.

Each ``api/<resource>.py`` declares its ``ROUTES`` (a tuple of
:class:`~.routing.Route`); a new resource adds its module to :data:`RESOURCES`.
Dispatch (``api/app.py``), the "does not implement this endpoint" 404, the test
suite's OpenAPI checks and ``IMPLEMENTED.md`` (``python -m
pytest_fakeconf.api.implemented``) are all derived from :data:`REGISTRY`.
"""

from __future__ import annotations

from types import ModuleType

from . import calls, conferences, participants, recordings
from .routing import Route, Router

RESOURCES: tuple[ModuleType, ...] = (conferences, participants, recordings, calls)


def _collect(modules: tuple[ModuleType, ...]) -> tuple[Route, ...]:
    routes: list[Route] = []
    for module in modules:
        routes.extend(module.ROUTES)
    return tuple(routes)


ROUTES: tuple[Route, ...] = _collect(RESOURCES)
REGISTRY: Router[Route] = Router(ROUTES)


def implemented() -> frozenset[tuple[str, str]]:
    """(METHOD, template) of every implemented operation."""
    return frozenset((r.method, r.template) for r in ROUTES)
