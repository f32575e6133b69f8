"""The live page in a real browser: headless Chromium loads ``/`` from a server on a
free port, the page's script reads ``/_fakeconf/state`` and renders the conferences and
events; names chosen by a test (or an attacker) appear as text, never as markup.

Needs Chromium (Debian: ``apt-get install chromium``); CI installs it before running
this directory. Without it these tests fail, they do not skip."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from twilio.rest import Client
from twilio.rest.api.v2010.account.conference.participant import ParticipantInstance

from pytest_fakeconf.server import FakeconfServer

CALLER = "+15017122661"
INJECTED = "<img src=x onerror=alert(1)>"
INJECTED_LABEL = "<b onmouseover=alert(2)>agent</b>"
NO_INJECTED_LABEL = INJECTED_LABEL.replace("</b>", "")  # labels may not hold "/"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "Chromium is not installed: these tests load the live page in a real browser. "
            "Install it with `apt-get install chromium` (Debian) and run them again.",
            pytrace=False,
        )
    return found


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page's script ran (5 s of virtual time: several refreshes)."""
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        url,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(
            "Chromium did not finish within 60 s: a JavaScript dialog (alert) blocks a "
            "headless page, so markup may have been injected and run",
            pytrace=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "</html>" in done.stdout, done.stderr[-3000:]
    return done.stdout


class Page(HTMLParser):
    """The rendered page as data: the text of each body row of each table, every
    element seen, and the text of elements with an id."""

    def __init__(self, dom: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: dict[str, list[list[str]]] = {}
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.by_id: dict[str, str] = {}
        self._table: str | None = None
        self._in_body = False
        self._cell: list[str] | None = None
        self._id: str | None = None
        self.feed(dom)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "table":
            self._table = attributes.get("id")
            self.rows.setdefault(self._table or "", [])
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows[self._table or ""].append([])
        elif tag == "td" and self._in_body:
            self._cell = []
        element_id = attributes.get("id")
        if element_id and tag != "table":
            self._id = element_id
            self.by_id[element_id] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[self._table or ""][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None
        if self._id is not None and tag in ("small", "code"):
            self._id = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._id is not None:
            self.by_id[self._id] += data


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Path]:
    """A throw-away Chromium profile."""
    path = tmp_path / "chromium-profile"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def client_for(server: FakeconfServer) -> Client:
    client = Client(server.fake.account_sid, server.fake.auth_token)
    client.api.base_url = server.base_url
    return client


def dial_in(client: Client, conference: str, label: str, **kwargs: object) -> ParticipantInstance:
    return client.conferences(conference).participants.create(
        from_=CALLER, to=f"client:{label}", label=label, **kwargs
    )


def test_the_page_renders_a_conference_created_over_the_api(
    fakeconf_server: FakeconfServer, profile: Path
) -> None:
    client = client_for(fakeconf_server)
    alice = dial_in(client, "Browser Room", "alice")
    bob = dial_in(client, "Browser Room", "bob", muted=True)
    sid = alice.conference_sid
    assert sid is not None and bob.conference_sid == sid
    created = client.conferences(sid).fetch().date_created
    assert created is not None

    page = Page(dump_dom(f"{fakeconf_server.base_url}/", profile))

    assert page.rows["conferences"] == [
        [
            sid,
            "Browser Room",
            "in-progress",
            created.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "",
            "alice, bob (muted)",
        ]
    ]
    assert page.by_id["account"] == fakeconf_server.fake.account_sid
    assert page.by_id["now"].endswith("+0000")  # rendered from the state, not "unreachable"
    events = page.rows["events"]
    assert [row[1] for row in events][-1] == "conference-create"  # newest first
    assert [row[3] for row in events if row[1] == "participant-join"] == [
        bob.call_sid,
        alice.call_sid,
    ]
    assert {row[2] for row in events} == {sid}
    # the browser really asked the server for the state
    assert fakeconf_server.fake.crashes == []


def test_names_are_shown_as_text_never_as_markup(
    fakeconf_server: FakeconfServer, profile: Path
) -> None:
    client = client_for(fakeconf_server)
    joined = dial_in(client, INJECTED, NO_INJECTED_LABEL)
    assert fakeconf_server.fake.get_conference(str(joined.conference_sid)).friendly_name == INJECTED

    dom = dump_dom(f"{fakeconf_server.base_url}/", profile)
    page = Page(dom)

    (row,) = page.rows["conferences"]
    assert (row[0], row[1], row[5]) == (joined.conference_sid, INJECTED, NO_INJECTED_LABEL)
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom  # serialised as escaped text
    assert [tag for tag, _ in page.elements if tag in ("img", "b")] == []
    assert not [attrs for _, attrs in page.elements if any(k.startswith("on") for k in attrs)]
