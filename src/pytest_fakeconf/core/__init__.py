"""The HTTP-free heart of the fake: state, rules, clock, SIDs and events.

Nothing in this package knows about HTTP, ``responses`` or pytest. The scripting
API (:mod:`pytest_fakeconf.fake`) and the HTTP API (:mod:`pytest_fakeconf.api`)
both call :class:`~pytest_fakeconf.core.backend.Backend`, so a conference ended
from a test and one ended over HTTP go through the same code.
"""
