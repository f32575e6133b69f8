"""Property-based checks of filtered paging against a plain-Python model."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakeconf import ConferenceHandle, FakeTwilio

UTC = dt.timezone.utc
DAY0 = dt.datetime(2021, 6, 1, tzinfo=UTC)
NAMES = ("alpha", "beta", "gamma")

room_specs = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5 * 86400),  # seconds after DAY0 (ties likely)
        st.sampled_from(NAMES),
        st.sampled_from(("init", "in-progress", "completed")),
    ),
    max_size=40,
)
filters = st.fixed_dictionaries(
    {},
    optional={
        "Status": st.sampled_from(("init", "in-progress", "completed")),
        "FriendlyName": st.sampled_from(NAMES),
        "DateCreated": st.sampled_from(("2021-06-02", "2021-06-04")),
        "DateCreated<": st.sampled_from(("2021-06-03", "2021-06-05")),
        "DateCreated>": st.sampled_from(("2021-06-02", "2021-06-04")),
    },
)


def build(specs: list[tuple[int, str, str]]) -> tuple[FakeTwilio, list[ConferenceHandle]]:
    fake = FakeTwilio(seed="paging-properties")
    rooms = []
    for offset, name, status in specs:
        when = DAY0 + dt.timedelta(seconds=offset)
        if status != "completed" and any(
            r.friendly_name == name and r.status != "completed" for r in rooms
        ):
            status = "completed"  # one active conference per name
        rooms.append(fake.create_conference(name, status=status, date_created=when))
    return fake, rooms


def get(fake: FakeTwilio, path_and_query: str) -> dict[str, object]:
    token = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    response = fake.answer(
        "GET", "https://api.twilio.com" + path_and_query, {"Authorization": f"Basic {token}"}
    )
    assert response.status == 200, response.body
    body = response.parsed()
    assert isinstance(body, dict)
    return body


def matches(room: ConferenceHandle, flt: dict[str, str]) -> bool:
    """The documented filter semantics, written independently of the fake."""
    created = room.date_created
    day = created.date().isoformat()
    midnight = {
        k: dt.datetime.fromisoformat(v).replace(tzinfo=UTC)
        for k, v in flt.items()
        if k.startswith("DateCreated")
    }
    return (
        flt.get("Status", "in-progress") == room.status  # Twilio's default since 2026-09-30
        and flt.get("FriendlyName", room.friendly_name) == room.friendly_name
        and flt.get("DateCreated", day) == day
        and ("DateCreated<" not in flt or created <= midnight["DateCreated<"])
        and ("DateCreated>" not in flt or created >= midnight["DateCreated>"])
    )


def walk(fake: FakeTwilio, flt: dict[str, str], size: int, between=lambda: None) -> list[str]:  # type: ignore[no-untyped-def]
    uri = f"/2010-04-01/Accounts/{fake.account_sid}/Conferences.json?" + urlencode(
        {**flt, "PageSize": size}
    )
    seen: list[str] = []
    pages = 0
    while uri:
        body = get(fake, uri)
        items = body["conferences"]
        assert isinstance(items, list)
        assert len(items) <= size
        assert body["page"] == pages
        seen += [c["sid"] for c in items]
        uri = body["next_page_uri"]  # type: ignore[assignment]
        pages += 1
        assert pages <= 100, "paging does not terminate"
        between()
    return seen


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=room_specs, flt=filters, size=st.integers(min_value=1, max_value=7))
def test_walking_all_pages_yields_exactly_the_filtered_rooms_newest_first(
    specs: list[tuple[int, str, str]], flt: dict[str, str], size: int
) -> None:
    fake, rooms = build(specs)
    # newest first = latest date_created, ties broken by later creation
    ordered = sorted(enumerate(rooms), key=lambda p: (p[1].date_created, p[0]), reverse=True)
    expected = [r.sid for _, r in ordered if matches(r, flt)]
    assert walk(fake, flt, size) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=room_specs,
    flt=filters,
    size=st.integers(min_value=1, max_value=5),
    ends=st.lists(st.integers(min_value=0, max_value=39), max_size=10),
)
def test_paging_survives_rooms_ending_and_starting_between_pages(
    specs: list[tuple[int, str, str]], flt: dict[str, str], size: int, ends: list[int]
) -> None:
    fake, rooms = build(specs)
    before = {r.sid for r in rooms if matches(r, flt)}
    pending = list(ends)

    def mutate() -> None:
        if pending:
            index = pending.pop()
            if index < len(rooms) and rooms[index].status != "completed":
                rooms[index].end()
        fake.create_conference(status="completed", date_created=DAY0 + dt.timedelta(days=9))

    seen = walk(fake, flt, size, mutate)
    after = {r.sid for r in rooms if matches(r, flt)}
    assert len(seen) == len(set(seen)), "a room was listed twice"
    assert before & after <= set(seen), "a room that matched throughout was skipped"
    assert set(seen) <= before | after
