"""The live page at ``/``: conferences, their participants, recent events and alerts.

It polls ``/_fakeconf/state`` once a second and renders with ``textContent``
only, so names a test (or an attacker) chose are shown, never run.
"""

from __future__ import annotations

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pytest-fakeconf</title>
<style>
 body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
 h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
 table { border-collapse: collapse; margin: .5em 0 1em; }
 th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
 th { background: #f4f4f4; } .in-progress { color: #0a7d32; } .init { color: #a66300; }
 .completed { color: #777; } code { font-size: 12px; }
</style>
</head>
<body>
<h1>pytest-fakeconf <small id="now"></small></h1>
<p>Account <code id="account"></code>. This page refreshes every second.</p>
<h2>Conferences</h2>
<table id="conferences"><thead><tr><th>SID</th><th>Friendly name</th><th>Status</th>
<th>Created</th><th>Ended because</th><th>Participants</th></tr></thead><tbody></tbody></table>
<h2>Recent events</h2>
<table id="events"><thead><tr><th>At</th><th>Event</th><th>Conference</th><th>Call</th>
</tr></thead><tbody></tbody></table>
<h2>Alerts</h2>
<table id="alerts"><thead><tr><th>At</th><th>Code</th><th>Message</th><th>Call</th><th>URL</th>
</tr></thead><tbody></tbody></table>
<script>
function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
}
function fill(id, rows, render) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  for (const item of rows) {
    const tr = document.createElement("tr");
    render(tr, item);
    body.appendChild(tr);
  }
}
async function refresh() {
  try {
    const state = await (await fetch("/_fakeconf/state", {cache: "no-store"})).json();
    document.getElementById("now").textContent = state.now;
    document.getElementById("account").textContent = state.account_sid;
    fill("conferences", state.conferences, (tr, c) => {
      cell(tr, c.sid); cell(tr, c.friendly_name); cell(tr, c.status, c.status);
      cell(tr, c.date_created); cell(tr, c.reason_conference_ended);
      const names = c.participants.map(p => (p.label || p.call_sid) + (p.muted ? " (muted)" : ""));
      cell(tr, names.join(", "));
    });
    fill("events", state.events, (tr, e) => {
      cell(tr, e.at); cell(tr, e.kind); cell(tr, e.conference_sid); cell(tr, e.call_sid);
    });
    fill("alerts", state.alerts || [], (tr, a) => {
      cell(tr, a.at); cell(tr, a.code); cell(tr, a.message); cell(tr, a.call_sid); cell(tr, a.url);
    });
  } catch (error) {
    document.getElementById("now").textContent = "(server unreachable)";
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
"""


def render() -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, PAGE.encode()
