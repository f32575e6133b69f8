"""Whatever arrives over HTTP, the fake answers with Twilio's shapes and never a 5xx."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakeconf import FakeTwilio

KEYS = (
    "Status", "FriendlyName", "DateCreated", "DateCreated<", "DateCreated>", "DateUpdated",
    "DateUpdated<", "DateUpdated>", "PageSize", "Page", "PageToken", "AnnounceUrl",
    "AnnounceMethod", "Unknown",
)  # fmt: skip
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        (
            "completed",
            "in-progress",
            "init",
            "2021-01-01",
            "2021-13-01",
            "0",
            "-1",
            "1001",
            "PA",
            "PACF" + "0" * 32,
            "PBCF" + "f" * 32,
            "https://x.example/a",
            "GET",
            "\x00",
            "9" * 40,
            "true",
        )
    ),
)
pairs = st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=6)
segments = st.one_of(
    st.sampled_from(("Conferences.json", "Conferences", "Conferences/.json", "Calls.json")),
    st.text(min_size=1, max_size=30).map(lambda s: f"Conferences/{quote(s, safe='')}.json"),
    st.text(min_size=1, max_size=30).map(lambda s: f"Conferences/{quote(s, safe='/')}"),
)
methods = st.sampled_from(("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"))
FAKE = FakeTwilio(seed="fuzz")
ROOM = FAKE.create_conference("Fuzz room")
TOKEN = base64.b64encode(f"{FAKE.account_sid}:{FAKE.auth_token}".encode()).decode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=methods,
    segment=segments,
    query=pairs,
    form=pairs,
    use_room=st.booleans(),
    authorization=st.one_of(st.just(f"Basic {TOKEN}"), st.text(max_size=30)),
)
def test_no_request_gets_a_5xx_or_a_malformed_body(
    method: str,
    segment: str,
    query: list[tuple[str, str]],
    form: list[tuple[str, str]],
    use_room: bool,
    authorization: str,
) -> None:
    if use_room:
        segment = f"Conferences/{ROOM.sid}.json"
    url = f"https://api.twilio.com/2010-04-01/Accounts/{FAKE.account_sid}/{segment}"
    if query:
        url += "?" + urlencode(query)
    response = FAKE.answer(method, url, {"Authorization": authorization}, urlencode(form))
    assert response.status < 500, response.body
    body = json.loads(response.body)  # every answer here carries JSON
    if response.status >= 400:
        assert set(body) == {"code", "message", "more_info", "status"}
        assert body["status"] == response.status
    assert not FAKE.crashes
