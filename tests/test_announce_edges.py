"""Edges of the documents played into a conference (AnnounceUrl, WaitUrl): a document
that does not parse fails the announcement with 12100 (the call goes on), and a wait
document that redirects to a new URL every time is followed for at most
``MAX_DOCUMENTS`` documents (the fake's bound on a loop, FIDELITY: F61), never forever."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.webhooks.voice import MAX_DOCUMENTS

BASE = "https://music.example.com"
CALLER = "+15017122661"


class Endless:
    """``/w/N`` says N and redirects to ``/w/N+1``; ``/bad`` is not well-formed XML."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        self.paths.append(path)
        if path == "/bad":
            body = b"<Response><Say>unclosed</Response>"
        else:
            n = int(path.rsplit("/", 1)[1])
            body = f"<Response><Say>{n}</Say><Redirect>/w/{n + 1}</Redirect></Response>".encode()
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [body]


def test_an_announcement_that_does_not_parse_fails_with_12100_and_the_call_goes_on(
    fakeconf: FakeTwilio,
) -> None:
    app = Endless()
    fakeconf.route_webhooks(BASE, app)
    room = fakeconf.create_conference("Room")
    p = room.add_participant()
    room.announce(f"{BASE}/bad")
    assert app.paths == ["/bad"]
    assert [a.code for a in fakeconf.alerts] == [12100]
    assert p.status == "connected" and room.status == "in-progress"
    assert [e for e in fakeconf.get_call(p.call_sid).log if e.source == "announce"] == []


def test_a_wait_document_that_always_redirects_somewhere_new_stops_after_the_bound(
    fakeconf: FakeTwilio, client: Client
) -> None:
    app = Endless()
    fakeconf.route_webhooks(BASE, app)
    created = client.conferences("Lobby").participants.create(
        from_=CALLER,
        to="+15550000001",
        wait_url=f"{BASE}/w/0",
        start_conference_on_enter=False,
    )
    assert fakeconf.get_conference(str(created.conference_sid)).status == "init"
    assert app.paths == [f"/w/{n}" for n in range(MAX_DOCUMENTS)]
    heard = [e.text for e in fakeconf.get_call(str(created.call_sid)).log if e.source == "wait"]
    assert heard == [str(n) for n in range(MAX_DOCUMENTS)]
    assert fakeconf.alerts == []
