"""Control handlers for what the fake saw and sent: the state page, the journals, and
where webhooks go."""

from __future__ import annotations

from ..api.routing import PathArgs
from ..fake import FakeTwilio
from . import control_views as views
from .control_fields import text, whole
from .control_replies import Body, Reply, reply

STATE_QUERY = ("page_size", "page_token")


def get_state(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    """One page of the state: ``page_size`` (1-1000, default 50), ``page_token``."""
    size = whole(data, "page_size", views.PAGE_SIZE, 1, views.MAX_PAGE_SIZE)
    return reply(200, views.state(fake, size, data.get("page_token")))  # a query: strings


def route_webhooks(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    base_url = text(data, "base_url")
    fake.route_webhooks_over_http(base_url)
    return reply(200, {"base_url": base_url})


def requests(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [views.request(r) for r in fake.requests])


def webhooks(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [views.webhook(w) for w in fake.webhooks])


def events(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [views.event(e) for e in fake.events])


def alerts(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    return reply(200, [a.as_dict() for a in fake.alerts])
