"""The live page at ``/``: the story of the fake, drawn.

Per conference, each participant is a bar over time (joined, muted, on hold,
coaching, the moment it left), the recordings under it, and the story's lines (the
requests, events, webhooks and alerts, as the ``fakeconf story`` report section
tells them); then the calls made with TwiML and the alerts. It reads
``GET /_fakeconf/story`` once a second.

The control endpoints need the account's Basic credentials: the page asks for the
account SID and auth token once and keeps them for the tab (``sessionStorage``).
For automation (a headless browser cannot type), ``/#ACxxx:token`` hands them over
in the URL fragment (never sent to the server); the page stores them and removes the
fragment from the location at once.

Everything a test (or an attacker) chose (names, labels, URLs, messages) is set
with ``textContent``, never as markup. The script and the style are inline, one
block each: the server's Content-Security-Policy allows exactly those two blocks, by
their SHA-256 (see :func:`.exposure.page_headers`).
"""

from __future__ import annotations

STYLE = """
 :root { --joined: #2e7d32; --muted: #f9a825; --held: #8e24aa; --coach: #1565c0;
         --rec: #c62828; --paused: #ef9a9a; --line: #e0e0e0; }
 body { font: 14px system-ui, sans-serif; margin: 1.2em 1.5em; color: #222; }
 h1 { font-size: 1.3em; margin: 0 0 .2em; } h1 small { color: #666; font-weight: normal; }
 h2 { font-size: 1.1em; margin: 1.4em 0 .3em; }
 .meta { color: #555; margin: 0 0 .8em; } .problem { color: #b71c1c; }
 .conference { border: 1px solid #ddd; border-radius: 6px; padding: .6em .9em; margin: .8em 0; }
 .conference h2 { margin: 0 0 .4em; } .conference h2 .sid { font: 12px monospace; color: #777; }
 .status { font-size: 12px; padding: 0 .4em; border-radius: 3px; background: #eee; }
 .status.in-progress { background: #c8e6c9; } .status.init { background: #ffe0b2; }
 .row { display: flex; align-items: center; height: 22px; }
 .who { width: 200px; box-sizing: border-box; flex: none; overflow: hidden; text-overflow: ellipsis;
        white-space: nowrap; padding-right: .6em; }
 .track { position: relative; flex: auto; height: 14px; background: repeating-linear-gradient(
          90deg, var(--line) 0 1px, transparent 1px 10%); border-bottom: 1px solid var(--line); }
 .seg { position: absolute; top: 1px; bottom: 1px; min-width: 3px; border-radius: 2px; }
 .joined { background: var(--joined); } .muted { background: var(--muted); }
 .held { background: var(--held); } .coaching { background: var(--coach); }
 .recording { background: var(--rec); } .paused { background: var(--paused); }
 .gone { position: absolute; top: -3px; width: 2px; height: 20px; background: #444; }
 .axis { display: flex; justify-content: space-between; margin-left: 200px; color: #777;
         font-size: 12px; }
 .legend span { display: inline-block; margin-right: 1em; }
 .legend i { display: inline-block; width: 1.6em; height: .8em; margin-right: .3em;
             border-radius: 2px; vertical-align: middle; }
 details { margin-top: .4em; } summary { cursor: pointer; color: #555; }
 ol.lines { font: 12px monospace; margin: .3em 0; padding-left: 0; list-style: none;
            max-height: 18em; overflow: auto; }
 ol.lines li { white-space: pre; } ol.lines li.problem { color: #b71c1c; }
 table { border-collapse: collapse; margin: .3em 0 1em; }
 th, td { border: 1px solid #ddd; padding: .2em .6em; text-align: left; font-size: 13px; }
 th { background: #f5f5f5; }
 #login { border: 1px solid #ccc; border-radius: 6px; padding: 1em; max-width: 32em; }
 #login label { display: block; margin: .4em 0; } #login input { width: 100%; font: inherit; }
 [hidden] { display: none !important; }
"""

SCRIPT = """
"use strict";
const KEY = "fakeconf-credentials";
const $ = (id) => document.getElementById(id);
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = String(text);
  return node;
}
function takeFragment() {
  const hash = location.hash.slice(1);
  if (!hash) return;
  history.replaceState(null, "", location.pathname + location.search);
  const at = hash.indexOf(":");
  if (at > 0) sessionStorage.setItem(KEY, decodeURIComponent(hash));
}
function askForCredentials(message) {
  $("login").hidden = false;
  $("story").hidden = true;
  $("login-message").textContent = message || "";
}
$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, $("sid").value.trim() + ":" + $("token").value);
  $("token").value = "";
  $("login").hidden = true;
  refresh();
});
$("forget").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  askForCredentials("Credentials forgotten.");
});
const ms = (iso) => Date.parse(iso);
function clock(iso) { return iso ? iso.slice(11, 19) : ""; }
function pct(iso, from, span) {
  return Math.min(100, Math.max(0, (ms(iso) - from) / span * 100));
}
function place(node, start, end, from, span) {
  const left = pct(start, from, span);
  const right = end ? pct(end, from, span) : 100;
  node.style.left = left + "%";
  node.style.width = Math.max(0, right - left) + "%";
  return node;
}
function stateOf(seg) {
  if (seg.hold) return ["held", "on hold"];
  if (seg.muted) return ["muted", "muted"];
  if (seg.coaching) return ["coaching", "coaching"];
  return ["joined", "joined"];
}
function lines(items) {
  const list = el("ol", "lines");
  for (const line of items) {
    const tag = {event: "event", webhook: "hook ", alert: "alert", request: "req  "}[line.source];
    const item = el("li", line.problem ? "problem" : "",
      (line.problem ? "! " : "  ") + clock(line.at) + " " + tag + " " + line.text);
    list.appendChild(item);
  }
  return list;
}
function conference(c, now) {
  const box = el("section", "conference");
  box.dataset.sid = c.sid;
  const title = el("h2");
  title.appendChild(el("span", "name", c.friendly_name));
  title.append(" ");
  title.appendChild(el("span", "status " + c.status, c.status));
  title.append(" ");
  title.appendChild(el("span", "sid", c.sid));
  box.appendChild(title);
  if (c.reason) box.appendChild(el("p", "meta", "Ended: " + c.reason));
  const from = ms(c.start);
  const span = Math.max(1000, ms(c.end || now) - from);
  for (const p of c.participants) {
    const row = el("div", "row participant");
    row.dataset.call = p.call_sid;
    row.appendChild(el("span", "who", p.label || p.call_sid)).title = p.call_sid;
    const track = el("div", "track");
    for (const seg of p.segments) {
      const [cls, what] = stateOf(seg);
      const bar = place(el("div", "seg " + cls), seg.start, seg.end, from, span);
      bar.title = what + " " + clock(seg.start) + (seg.end ? " to " + clock(seg.end) : " on");
      track.appendChild(bar);
    }
    if (p.left) {
      const last = p.segments[p.segments.length - 1];
      const mark = el("div", "gone");
      mark.style.left = "calc(" + pct(last.end, from, span) + "% - 1px)";
      mark.title = "left: " + p.left;
      track.appendChild(mark);
    }
    row.appendChild(track);
    box.appendChild(row);
  }
  for (const r of c.recordings) {
    const row = el("div", "row rec");
    row.appendChild(el("span", "who", "● recording (" + r.status + ")")).title = r.sid;
    const track = el("div", "track");
    for (const seg of r.segments) {
      const bar = el("div", "seg " + (seg.paused ? "paused" : "recording"));
      track.appendChild(place(bar, seg.start, seg.end, from, span));
    }
    row.appendChild(track);
    box.appendChild(row);
  }
  const axis = el("div", "axis");
  axis.appendChild(el("span", "", clock(c.start)));
  axis.appendChild(el("span", "", c.end ? clock(c.end) : clock(now) + " (now)"));
  box.appendChild(axis);
  const more = el("details");
  more.appendChild(el("summary", "", "The story (" + c.lines.length + " lines)"));
  more.appendChild(lines(c.lines));
  box.appendChild(more);
  return box;
}
function table(id, rows, cells) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  for (const item of rows) {
    const tr = el("tr");
    for (const text of cells(item)) tr.appendChild(el("td", "", text));
    body.appendChild(tr);
  }
  $(id).hidden = rows.length === 0;
}
function draw(s) {
  $("account").textContent = s.account_sid;
  $("now").textContent = s.now.replace("T", " ").replace("+00:00", " UTC");
  const dropped = Object.entries(s.dropped).map(([k, n]) => n + " " + k + "s");
  const note = dropped.length ? dropped.join(", ") + ": earlier entries dropped." : "";
  $("dropped").textContent = note;
  const list = $("conferences");
  list.replaceChildren(...s.conferences.map((c) => conference(c, s.now)));
  if (!s.conferences.length) list.appendChild(el("p", "meta", "No conference yet."));
  table("calls", s.calls, (c) => [c.sid, c.from, c.to, c.status, clock(c.start), clock(c.end)]);
  table("alerts", s.alerts, (a) => [clock(a.at), a.code, a.message, a.call_sid, a.url]);
}
let cursor = "";
async function refresh() {
  const credentials = sessionStorage.getItem(KEY);
  if (!credentials) {
    if ($("login").hidden) askForCredentials("");  // keep a message already shown
    return;
  }
  let auth;
  try { auth = "Basic " + btoa(credentials); }
  catch (error) { return askForCredentials("Credentials must be plain ASCII."); }
  try {
    const since = cursor ? "?since=" + encodeURIComponent(cursor) : "";
    const answer = await fetch("/_fakeconf/story" + since, {
      cache: "no-store", headers: {Authorization: auth}});
    if (answer.status === 401) {
      sessionStorage.removeItem(KEY);
      return askForCredentials("The fake refused these credentials (401).");
    }
    const story = await answer.json();
    $("story").hidden = false;
    $("login").hidden = true;
    $("offline").textContent = "";
    if (story.changed) { cursor = story.cursor; draw(story); }
  } catch (error) {
    $("offline").textContent = "(server unreachable)";
  }
}
takeFragment();
refresh();
setInterval(refresh, 1000);
"""

BODY = """
<h1>pytest-fakeconf <small id="now"></small> <small id="offline" class="problem"></small></h1>
<form id="login" hidden autocomplete="off">
<p>This page reads the fake's control endpoints: give the account's credentials once
(kept for this tab only).</p>
<p id="login-message" class="problem"></p>
<label>Account SID <input id="sid" name="sid" required pattern="AC[0-9a-fA-F]{32}"
 placeholder="AC…"></label>
<label>Auth token <input id="token" name="token" type="password" required></label>
<button type="submit">Show the story</button>
</form>
<div id="story" hidden>
<p class="meta">Account <code id="account"></code> · refreshed every second ·
<button id="forget" type="button">Forget credentials</button>
<span id="dropped" class="problem"></span></p>
<p class="legend"><span><i class="joined"></i>joined</span><span><i class="muted"></i>muted</span>
<span><i class="held"></i>on hold</span><span><i class="coaching"></i>coaching</span>
<span><i class="recording"></i>recording</span><span><i class="paused"></i>paused</span>
<span>| left</span></p>
<div id="conferences"></div>
<h2>Calls</h2>
<table id="calls" hidden><thead><tr><th>SID</th><th>From</th><th>To</th><th>Status</th>
<th>Answered</th><th>Ended</th></tr></thead><tbody></tbody></table>
<h2>Alerts</h2>
<table id="alerts" hidden><thead><tr><th>At</th><th>Code</th><th>Message</th><th>Call</th>
<th>URL</th></tr></thead><tbody></tbody></table>
<p class="meta">The same data as JSON: <code>/_fakeconf/story</code>; the raw state:
<code>/_fakeconf/state</code>.</p>
</div>
"""

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pytest-fakeconf</title>
<link rel="icon" href="data:,">
<style>{STYLE}</style>
</head>
<body>{BODY}<script>{SCRIPT}</script>
</body>
</html>
"""


def render() -> tuple[int, dict[str, str], bytes]:
    return (
        200,
        {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
        PAGE.encode(),
    )
