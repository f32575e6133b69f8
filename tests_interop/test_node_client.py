"""twilio-node against server mode: the same fake serves another language.

Run by .ci/run after ``npm install twilio`` into a folder named by
``FAKECONF_NODE_MODULES`` (its ``node_modules``). Not part of the default test
suite, which needs no Node.js.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_fakeconf.server import FakeconfServer

SCRIPT = """
const twilio = require("twilio");
const [sid, token, baseUrl] = process.argv.slice(2);
const client = twilio(sid, token);
client.api.baseUrl = baseUrl;
(async () => {
  const out = {};
  const p = await client.conferences("Node room").participants.create(
    {from: "+15005550006", to: "+15005550001", label: "agent 1"});
  out.created = [p.status, p.conferenceSid, p.queueTime];
  const listed = await client.conferences.list({status: "init", pageSize: 1});
  out.listed = listed.map(c => c.friendlyName);
  const fetched = await client.conferences(p.conferenceSid).participants("agent 1").fetch();
  out.fetched = [fetched.status, fetched.label, fetched.callSid === p.callSid];
  await client.conferences(p.conferenceSid).update({status: "completed"});
  const ended = await client.conferences(p.conferenceSid).fetch();
  out.ended = [ended.status, ended.reasonConferenceEnded];
  const bad = twilio(sid, "wrong-token");
  bad.api.baseUrl = baseUrl;
  try { await bad.conferences(p.conferenceSid).fetch(); out.bad = "no error"; }
  catch (e) { out.bad = [e.status, e.code]; }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


def node_setup() -> tuple[str, Path]:
    node = shutil.which("node")
    modules = os.environ.get("FAKECONF_NODE_MODULES")
    if node is None or modules is None or not (Path(modules) / "node_modules/twilio").is_dir():
        pytest.fail(
            "needs Node.js and twilio-node: npm install --prefix DIR twilio, "
            "then FAKECONF_NODE_MODULES=DIR (.ci/run does this)"
        )
    return node, Path(modules)


def test_twilio_node_drives_the_server(tmp_path: Path) -> None:
    node, modules = node_setup()
    script = tmp_path / "flow.js"
    script.write_text(SCRIPT)
    with FakeconfServer(port=0) as server:
        fake = server.fake
        result = subprocess.run(
            [node, str(script), fake.account_sid, fake.auth_token, server.base_url],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "NODE_PATH": str(modules / "node_modules")},
        )
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        [room] = fake.conferences
    assert out["created"] == ["queued", room.sid, "1000"]
    assert out["listed"] == ["Node room"]
    assert out["fetched"] == ["connected", "agent 1", True]
    assert out["ended"] == ["completed", "conference-ended-via-api"]
    assert out["bad"] == [401, 20003]
    assert room.status == "completed"
