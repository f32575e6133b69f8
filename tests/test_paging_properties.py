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
        st.integers(min_value=0, max_value=3 * 86400),  # how long a completed room ran
    ),
    max_size=40,
)
DAYS = st.sampled_from(("2021-06-02", "2021-06-03", "2021-06-04", "2021-06-06"))
filters = st.fixed_dictionaries(
    {},
    optional={
        "Status": st.sampled_from(("init", "in-progress", "completed")),
        "FriendlyName": st.sampled_from(NAMES),
        "DateCreated": DAYS,
        "DateCreated<": DAYS,
        "DateCreated>": DAYS,
        "DateUpdated": DAYS,
        "DateUpdated<": DAYS,
        "DateUpdated>": DAYS,
    },
)


def build(specs: list[tuple[int, str, str, int]]) -> tuple[FakeTwilio, list[ConferenceHandle]]:
    fake = FakeTwilio(seed="paging-properties")
    rooms: list[ConferenceHandle] = []
    for offset, name, status, ran in specs:
        when = DAY0 + dt.timedelta(seconds=offset)
        name_is_live = any(r.friendly_name == name and r.status != "completed" for r in rooms)
        if name_is_live:
            status = "completed"  # one active conference per name
        if status == "completed" and not name_is_live:
            room = fake.create_conference(name, date_created=when)
            room.end(at=when + dt.timedelta(seconds=ran))
        else:
            room = fake.create_conference(name, status=status, date_created=when)
        rooms.append(room)
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

    def in_range(value: dt.datetime, field: str) -> bool:
        def midnight(key: str) -> dt.datetime:
            return dt.datetime.fromisoformat(flt[key]).replace(tzinfo=UTC)

        return (
            flt.get(field, value.date().isoformat()) == value.date().isoformat()
            and (field + "<" not in flt or value <= midnight(field + "<"))
            and (field + ">" not in flt or value >= midnight(field + ">"))
        )

    return (
        flt.get("Status", "in-progress") == room.status  # Twilio's default since 2026-09-30
        and flt.get("FriendlyName", room.friendly_name) == room.friendly_name
        and in_range(room.date_created, "DateCreated")
        and in_range(room.date_updated, "DateUpdated")
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


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=room_specs, flt=filters, size=st.integers(min_value=1, max_value=7))
def test_walking_all_pages_yields_exactly_the_filtered_rooms_newest_first(
    specs: list[tuple[int, str, str, int]], flt: dict[str, str], size: int
) -> None:
    fake, rooms = build(specs)
    # newest first = latest date_created, ties broken by later creation
    ordered = sorted(enumerate(rooms), key=lambda p: (p[1].date_created, p[0]), reverse=True)
    expected = [r.sid for _, r in ordered if matches(r, flt)]
    assert walk(fake, flt, size) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=room_specs,
    flt=filters,
    size=st.integers(min_value=1, max_value=5),
    ends=st.lists(st.integers(min_value=0, max_value=39), max_size=10),
)
def test_paging_survives_rooms_ending_and_starting_between_pages(
    specs: list[tuple[int, str, str, int]], flt: dict[str, str], size: int, ends: list[int]
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
