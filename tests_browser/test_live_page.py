"""The live page in a real browser: headless Chromium loads ``/`` from a server on a
free port, the page's script reads ``/_fakeconf/story`` with the credentials handed
over in the URL fragment, and draws the story: per conference, participants as bars
over time (joined, muted, on hold, left), the recording, the story's lines; the calls;
the alerts. Names chosen by a test (or an attacker) appear as text, never as markup.

Needs Chromium (Debian: ``apt-get install chromium``); CI installs it before running
this directory. Without it these tests fail, they do not skip."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from twilio.rest import Client

from pytest_fakeconf.server import FakeconfServer

CALLER = "+15017122661"
INJECTED = "<img src=x onerror=alert(1)>"
INJECTED_LABEL = "<b onmouseover=alert(2)>agent"  # labels may not hold "/"
START = _dt.datetime(2026, 12, 2, 10, 0, tzinfo=_dt.timezone.utc)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "Chromium is not installed: these tests load the live page in a real browser. "
            "Install it with `apt-get install chromium` (Debian) and run them again.",
            pytrace=False,
        )
    return found


def run_chromium(profile: Path, *arguments: str) -> str:
    """Chromium headless with 5 s of virtual time (several refreshes), then its stdout."""
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
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        *arguments,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(
            "Chromium did not finish within 90 s: a JavaScript dialog (alert) blocks a "
            "headless page, so markup may have been injected and run",
            pytrace=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def dump_dom(url: str, profile: Path) -> str:
    dom = run_chromium(profile, "--dump-dom", url)
    assert "</html>" in dom
    return dom


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def all_text(self) -> str:
        return "".join(self.text) + "".join(child.all_text() for child in self.children)

    def find(self, cls: str | None = None, tag: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if (cls is None or cls in child.classes) and (tag is None or child.tag == tag):
                found.append(child)
            found += child.find(cls, tag)
        return found

    def by_id(self, element_id: str) -> Node:
        (node,) = [n for n in self.find() if n.attrs.get("id") == element_id]
        return node


VOID = {"meta", "input", "br", "img", "link", "hr"}


class Tree(HTMLParser):
    """The rendered DOM as a tree of :class:`Node` (text kept per element)."""

    def __init__(self, dom: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self._stack = [self.root]
        self.feed(dom)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self._stack[-1].children.append(node)
        if tag not in VOID:
            self._stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].text.append(data)


def percent(node: Node, name: str) -> float:
    """``left`` or ``width`` of a bar, from its style attribute (``left: 12.5%;``)."""
    for declaration in node.attrs.get("style", "").split(";"):
        key, _, value = declaration.partition(":")
        if key.strip() == name:
            return float(value.strip().removesuffix("%"))
    raise AssertionError(f"no {name} in {node.attrs}")


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Path]:
    """A throw-away Chromium profile."""
    path = tmp_path / "chromium-profile"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class Scripted:
    server: FakeconfServer
    conference_sid: str
    hostile_sid: str
    calls: dict[str, str]  # label -> call SID
    outbound: str

    @property
    def url(self) -> str:
        fake = self.server.fake
        return f"{self.server.base_url}/#{fake.account_sid}:{fake.auth_token}"


@pytest.fixture
def scripted(fakeconf_server: FakeconfServer) -> Scripted:
    """A story told through the API on the fake's clock: alice, bob (muted) and carol
    join "Support"; a recording runs and pauses; alice is held a minute; bob unmutes;
    carol leaves; a hostile-named conference; a call whose app is not there (an alert)."""
    server = fakeconf_server
    fake = server.fake
    client = Client(fake.account_sid, fake.auth_token)
    client.api.base_url = server.base_url
    clock = fake.clock
    clock.freeze(START)
    calls = {}

    def join(label: str, **options: object) -> str:
        joined = client.conferences("Support").participants.create(
            from_=CALLER, to=f"client:{label}", label=label, **options
        )
        calls[label] = str(joined.call_sid)
        return str(joined.conference_sid)

    sid = join("alice", conference_record="record-from-start")
    clock.advance(30)
    join("bob", muted=True)  # the conference starts, and its recording
    clock.advance(30)
    join("carol")
    clock.advance(30)
    (recording,) = fake.get_conference(sid).recordings
    client.conferences(sid).recordings(recording.sid).update(status="paused")
    clock.advance(30)
    client.conferences(sid).participants(calls["alice"]).update(hold=True)
    client.conferences(sid).recordings(recording.sid).update(status="in-progress")
    clock.advance(30)
    client.conferences(sid).participants(calls["bob"]).update(muted=False)
    clock.advance(30)
    client.conferences(sid).participants(calls["alice"]).update(hold=False)
    clock.advance(30)
    client.conferences(sid).participants(calls["carol"]).delete()
    clock.advance(30)
    hostile = client.conferences(INJECTED).participants.create(
        from_=CALLER, to="client:x", label=INJECTED_LABEL
    )
    outbound = client.calls.create(from_=CALLER, to="+15558675310", url="http://app.invalid/voice")
    clock.advance(60)
    assert fake.get_conference(sid).status == "in-progress"
    return Scripted(server, sid, str(hostile.conference_sid), calls, str(outbound.sid))


def test_the_page_draws_each_conference_as_bars_over_time(
    scripted: Scripted, profile: Path
) -> None:
    tree = Tree(dump_dom(scripted.url, profile)).root

    assert tree.by_id("account").all_text() == scripted.server.fake.account_sid
    assert tree.by_id("login").attrs.get("hidden") is not None  # no form: credentials taken
    sections = tree.find("conference", "section")
    assert [s.attrs["data-sid"] for s in sections] == [
        scripted.hostile_sid,
        scripted.conference_sid,
    ]  # newest first
    support = sections[1]
    assert support.find("name")[0].all_text() == "Support"
    assert support.find("status")[0].all_text() == "in-progress"
    rows = {row.attrs["data-call"]: row for row in support.find("participant")}
    assert set(rows) == set(scripted.calls.values())
    labels = {row.find("who")[0].all_text() for row in rows.values()}
    assert labels == {"alice", "bob", "carol"}

    def bars(label: str) -> list[tuple[str, float, float]]:
        row = rows[scripted.calls[label]]
        return [
            (sorted(b.classes - {"seg"})[0], percent(b, "left"), percent(b, "width"))
            for b in row.find("seg")
        ]

    # The conference spans 10:00:00 to now (10:05:00): 300 s, so 30 s is 10 %.
    assert [kind for kind, *_ in bars("alice")] == ["joined", "held", "joined"]
    assert [round(left) for _, left, _ in bars("alice")] == [0, 40, 60]
    assert bars("alice")[-1][1] + bars("alice")[-1][2] == pytest.approx(100)  # still there
    assert [kind for kind, *_ in bars("bob")] == ["muted", "joined"]
    assert [round(left) for _, left, _ in bars("bob")] == [10, 50]
    (carol,) = bars("carol")
    assert (carol[0], round(carol[1]), round(carol[2])) == ("joined", 20, 50)  # left at 10:03:30
    (gone,) = rows[scripted.calls["carol"]].find("gone")
    assert gone.attrs["title"].startswith("left: ")
    assert not rows[scripted.calls["alice"]].find("gone")
    (recording,) = support.find("rec", "div")
    kinds = [sorted(b.classes - {"seg"})[0] for b in recording.find("seg")]
    assert kinds == ["recording", "paused", "recording"]
    # the story's lines under the bars: the same text as the report section
    lines = [li.all_text() for li in support.find(tag="li")]
    assert any("participant-hold alice" in line for line in lines)
    assert any("POST /Conferences/Support/Participants.json → 201" in line for line in lines)
    # the call, and the alert its missing app raised
    calls = tree.by_id("calls").find(tag="tr")[1:]
    assert [row.find(tag="td")[0].all_text() for row in calls] == [scripted.outbound]
    alerts = [row.all_text() for row in tree.by_id("alerts").find(tag="tr")[1:]]
    assert len(alerts) == 1 and "11200" in alerts[0] and scripted.outbound in alerts[0]
    assert scripted.server.fake.crashes == []


def test_names_are_shown_as_text_never_as_markup(scripted: Scripted, profile: Path) -> None:
    dom = dump_dom(scripted.url, profile)
    tree = Tree(dom).root

    hostile = tree.find("conference", "section")[0]
    assert hostile.find("name")[0].all_text() == INJECTED
    assert [row.find("who")[0].all_text() for row in hostile.find("participant")] == [
        INJECTED_LABEL
    ]
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom  # serialised as escaped text
    tags = {node.tag for node in tree.find()}
    assert "img" not in tags and "b" not in tags
    assert not [n.attrs for n in tree.find() if any(k.startswith("on") for k in n.attrs)]


def test_without_credentials_the_page_asks_for_them(
    fakeconf_server: FakeconfServer, profile: Path
) -> None:
    tree = Tree(dump_dom(f"{fakeconf_server.base_url}/", profile)).root
    form = tree.by_id("login")
    assert form.attrs.get("hidden") is None  # shown
    assert tree.by_id("story").attrs.get("hidden") is not None
    assert {n.attrs.get("id") for n in form.find(tag="input")} == {"sid", "token"}


def test_wrong_credentials_are_forgotten_and_asked_again(
    fakeconf_server: FakeconfServer, profile: Path
) -> None:
    fake = fakeconf_server.fake
    url = f"{fakeconf_server.base_url}/#{fake.account_sid}:not-the-token"
    tree = Tree(dump_dom(url, profile)).root
    assert tree.by_id("login").attrs.get("hidden") is None
    assert "401" in tree.by_id("login-message").all_text()


def png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixels of an 8-bit RGB(A) PNG (not interlaced)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0) and color in (2, 6)
    size = 4 if color == 6 else 3
    raw = zlib.decompress(b"".join(chunks))
    stride = width * size
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - size] if i >= size else 0
            b = previous[i]
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                c = previous[i - size] if i >= size else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:  # every fourth row is enough to see the page is not blank
            colours.update(bytes(line[x : x + size]) for x in range(0, stride, size * 2))
        previous = line
    return width, height, colours


def test_a_screenshot_shows_the_story(scripted: Scripted, profile: Path, tmp_path: Path) -> None:
    """The PNG goes to ``$FAKECONF_SCREENSHOTS`` when set (to look at it), else a tmp dir."""
    folder = Path(os.environ.get("FAKECONF_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "live-page.png"
    shot.unlink(missing_ok=True)
    run_chromium(profile, "--window-size=1100,820", f"--screenshot={shot}", scripted.url)

    width, height, colours = png_pixels(shot.read_bytes())
    assert (width, height) == (1100, 820)
    assert len(colours) > 20  # text, bars of several colours: not a blank page
    bar_colours = {bytes.fromhex(h) for h in ("2e7d32", "f9a825", "8e24aa", "c62828")}
    assert bar_colours <= {c[:3] for c in colours}  # joined, muted, held, recording
