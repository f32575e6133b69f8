"""The schemathesis campaign of CI (``.ci/campaign.py``, issue 13): what it holds against
the server and what it relies on, and the bugs it found (a regression test each).

The campaign itself runs in CI's own step (schemathesis lives in a virtualenv of its
own); here its checks are fed answers they must refuse, its seeding runs against a real
server twice (it relies on a reset drawing the same SIDs again), and its schemathesis
hook maps cases as the plan says.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_fakeconf.api.routes import ROUTES
from pytest_fakeconf.server import FakeconfServer

CI = Path(__file__).resolve().parents[1] / ".ci"


def load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


campaign = load("fakeconf_campaign", CI / "campaign.py")

TWILIO_404 = {
    "code": 20404,
    "message": "The requested resource was not found",
    "more_info": "https://www.twilio.com/docs/errors/20404",
    "status": 404,
}


# -- the error-shape check ----------------------------------------------------------------


def test_a_twilio_error_body_passes() -> None:
    assert campaign.shape_problem(404, json.dumps(TWILIO_404)) is None


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (404, "Not Found", "not JSON"),
        (404, "[1, 2]", "not a JSON object"),
        (400, json.dumps({"error": "bad"}), "keys ['error']"),
        (404, json.dumps({**TWILIO_404, "details": {}}), "keys"),
        (404, json.dumps({k: v for k, v in TWILIO_404.items() if k != "more_info"}), "keys"),
        (404, json.dumps({**TWILIO_404, "code": "20404"}), "code is '20404'"),
        (404, json.dumps({**TWILIO_404, "status": True}), "status is True"),
        (404, json.dumps({**TWILIO_404, "message": None}), "message is None"),
        (400, json.dumps(TWILIO_404), "status 404 in the body, 400 on the wire"),
    ],
)
def test_other_error_bodies_are_refused(status: int, body: str, problem: str) -> None:
    found = campaign.shape_problem(status, body)
    assert found is not None and found.startswith(problem)


# -- the report ----------------------------------------------------------------------------

BASE = "http://127.0.0.1:1/2010-04-01/Accounts/AC" + "0" * 32


def entry(method: str, path: str, status: int, body: object) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "request": {"method": method, "url": BASE + path},
        "response": {"status": status, "content": {"text": text}},
    }


def test_the_report_fails_on_a_5xx_a_wrong_shape_and_an_operation_under_the_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = tmp_path / "round.har"
    conference = "/Conferences/CF" + "1" * 32 + ".json"
    entries = [
        entry("GET", "/Conferences.json", 200, {"conferences": []}),
        entry("GET", "/Conferences.json", 200, {"conferences": []}),
        entry("GET", conference, 404, TWILIO_404),
        entry("POST", conference, 500, "Internal Server Error"),
        entry("GET", "/Calls.json", 400, {"error": "bad"}),
        entry("DELETE", "/Calls/CA" + "2" * 32 + ".json", 0, ""),  # never answered
        entry("GET", "/Nowhere.json", 404, TWILIO_404),
        entry("HEAD", "/Calls.json", 405, ""),  # no body to judge
    ]
    har.write_text(json.dumps({"log": {"entries": entries}}))

    found = campaign.tally([har])
    failures = campaign.report(found, floor=2)

    assert found.requests["ListConference"] == 2
    assert found.successes["ListConference"] == 2
    assert (found.requests["FetchConference"], found.successes["FetchConference"]) == (1, 0)
    assert found.unknown == [f"GET {BASE}/Nowhere.json -> 404", f"HEAD {BASE}/Calls.json -> 405"]
    assert [f for f in failures if f.startswith("server error")] == [
        f"server error: POST {BASE}{conference} -> 500: Internal Server Error",
        f"server error: DELETE {BASE}/Calls/CA{'2' * 32}.json -> 0: ",
    ]
    assert [f for f in failures if f.startswith("error shape")] == [
        f"error shape: GET {BASE}/Calls.json -> 400: keys ['error']: " + '{"error": "bad"}'
    ]
    under = [f for f in failures if "floor" in f]
    assert len(under) == len(ROUTES) - 1
    assert not [f for f in under if f.startswith("ListConference ")]
    printed = capsys.readouterr().out
    assert "total requests: 8" in printed
    assert "5xx or unanswered: 2" in printed


def test_the_report_passes_when_every_operation_reached_the_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = tmp_path / "round.har"
    entries = []
    for route in ROUTES:
        path = route.template.split("{AccountSid}", 1)[1]
        for name in ("ConferenceSid", "CallSid", "Sid"):
            path = path.replace("{" + name + "}", "X")
        entries.append(entry(route.method, path, 404, TWILIO_404))
    har.write_text(json.dumps({"log": {"entries": entries}}))
    assert campaign.report(campaign.tally([har]), floor=1) == []
    assert f"total requests: {len(ROUTES)}" in capsys.readouterr().out


# -- seeding and the plan ----------------------------------------------------------------------


@pytest.fixture
def seeded_api(fakeconf_server: FakeconfServer) -> Iterator[Any]:
    fake = fakeconf_server.fake
    served = types.SimpleNamespace(
        base_url=fakeconf_server.base_url, account_sid=fake.account_sid, auth_token=fake.auth_token
    )
    yield campaign.Api(served)


def test_seeding_again_after_a_reset_draws_the_same_sids(
    seeded_api: Any, fakeconf_server: FakeconfServer
) -> None:
    first = campaign.seed(seeded_api)
    fake = fakeconf_server.fake
    # What the rounds delete or end is back after the next seeding.
    fake.get_conference(first.doomed_rooms[0]).end()
    again = campaign.seed(seeded_api)
    assert again == first
    assert fake.get_conference(first.doomed_rooms[0]).status == "in-progress"
    assert len(first.members) == len(first.member_rooms) == 24
    assert len(first.recordings) == len(first.recorded_rooms) == 4
    assert len(first.doomed_recordings) == len(first.doomed_rooms) == 4
    live = {call.sid for call in fake.calls if call.status == "in-progress"}
    assert set(first.spare_calls) <= live
    assert not set(first.ended_calls) & live


def test_the_plan_covers_every_operation_with_aligned_pairs(seeded_api: Any) -> None:
    seeded = campaign.seed(seeded_api)
    plan = campaign.plan("AC" + "0" * 32, seeded, 0.8)
    assert set(plan["operations"]) == {f"{r.method} {r.template}" for r in ROUTES}
    for key, parameters in plan["operations"].items():
        path = parameters.get("path", {})
        for name in path:
            assert "{" + name + "}" in key
        if len(path) == 2:  # a conference and what it holds, read at one index
            assert len({len(values) for values in path.values()}) == 1, key
    paged = {k for k, parameters in plan["operations"].items() if "paging" in parameters}
    assert len(paged) == 4
    for key in paged:
        assert set(plan["operations"][key]["paging"]) == {"PageToken", "Page", "PageSize"}


# -- the schemathesis hook ------------------------------------------------------------------------


@pytest.fixture
def hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    plan = {
        "account_sid": "AC" + "a" * 32,
        "probability": 1.0,
        "foreign_account": 0.0,
        "operations": {
            "GET /rooms/{ConferenceSid}/members/{CallSid}": {
                "path": {"ConferenceSid": ["CF1", "CF2"], "CallSid": ["CA1", "CA2"]}
            },
            "POST /calls": {"body": {"To": ["+1555"]}, "query": {"Page": ["1"]}},
            "GET /calls": {"paging": {"PageToken": "PA1", "Page": "1", "PageSize": "2"}},
        },
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    monkeypatch.setenv("FAKECONF_CAMPAIGN_PLAN", str(tmp_path / "plan.json"))
    monkeypatch.setitem(sys.modules, "schemathesis", types.SimpleNamespace(hook=lambda f: f))
    return load("fakeconf_campaign_hooks", CI / "campaign_hooks.py")


def case(method: str, path: str, parameters: dict[str, str], body: object = None) -> Any:
    operation = types.SimpleNamespace(method=method, path=path)
    return types.SimpleNamespace(
        operation=operation, path_parameters=parameters, query={}, body=body
    )


def test_the_hook_puts_the_account_and_a_matching_pair_in_the_path(
    hooks: types.ModuleType,
) -> None:
    pairs = set()
    for n in range(40):
        made = case(
            "get",
            "/rooms/{ConferenceSid}/members/{CallSid}",
            {"AccountSid": f"AC{n}", "ConferenceSid": f"x{n}", "CallSid": f"y{n}"},
        )
        mapped = hooks.map_case(None, made)
        assert mapped.path_parameters["AccountSid"] == "AC" + "a" * 32
        pairs.add((mapped.path_parameters["ConferenceSid"], mapped.path_parameters["CallSid"]))
    assert pairs == {("CF1", "CA1"), ("CF2", "CA2")}


def test_the_hook_maps_the_same_case_the_same_way(hooks: types.ModuleType) -> None:
    def mapped(n: int) -> tuple[dict[str, str], dict[str, str], Any]:
        made = case("post", "/calls", {"AccountSid": "x"}, {"To": "", "Seq": n})
        result = hooks.map_case(None, made)
        return result.path_parameters, result.query, result.body

    draws = [mapped(n) for n in range(40)]
    assert draws == [mapped(n) for n in range(40)]
    assert {body["To"] for _, _, body in draws} == {"", "+1555"}
    assert {query.get("Page") for _, query, _ in draws} == {None, "1"}


def test_the_hook_leaves_other_operations_alone(hooks: types.ModuleType) -> None:
    made = case("get", "/elsewhere", {"AccountSid": "x"})
    assert hooks.map_case(None, made).path_parameters == {"AccountSid": "x"}


# -- the whole campaign, with a stand-in for schemathesis -----------------------------------------

STAND_IN = '''#!{python}
"""Sends one request per operation of the plan to the server and writes them as a HAR."""
import base64, json, os, sys, urllib.error, urllib.request

args = sys.argv[1:]
url, auth, har = (args[args.index(flag) + 1] for flag in ("--url", "--auth", "--report-har-path"))
plan = json.load(open(os.environ["FAKECONF_CAMPAIGN_PLAN"]))
entries = []
for key in plan["operations"]:
    method, template = key.split(" ")
    path = template.replace("{{AccountSid}}", plan["account_sid"])
    for name in ("ConferenceSid", "CallSid", "Sid"):
        path = path.replace("{{" + name + "}}", "X")
    data = b"" if method == "POST" else None
    request = urllib.request.Request(url + path, method=method, data=data)
    request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request) as answer:
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    entries.append({{"request": {{"method": method, "url": url + path}},
                    "response": {{"status": status, "content": {{"text": text}}}}}})
if os.environ.get("STAND_IN_FAILS"):
    entries.append({{"request": {{"method": "GET", "url": url + "/boom"}},
                    "response": {{"status": 500, "content": {{"text": "boom"}}}}}})
json.dump({{"log": {{"entries": entries}}}}, open(har, "w"))
with open(os.environ["STAND_IN_CALLS"], "a") as calls:
    calls.write(json.dumps(args) + "\\n")
sys.exit(int(os.environ.get("STAND_IN_EXIT", "0")))
'''


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STAND_IN_CALLS", str(tmp_path / "calls.jsonl"))
    script = tmp_path / "schemathesis"
    script.write_text(STAND_IN.format(python=sys.executable))
    script.chmod(0o755)
    return script


def run_campaign(stand_in: Path, tmp_path: Path, floor: int = 2, top_up: int = 0) -> int:
    schema = tmp_path / "schema.json"
    schema.write_text("{}")
    options = ["--schema", str(schema), "--rounds", "2", "--floor", str(floor)]
    options += ["--top-up", str(top_up)]
    options += ["--keep", str(tmp_path / "reports")]
    code: int = campaign.main(["--schemathesis", str(stand_in), *options])
    return code


def test_the_campaign_passes_when_every_answer_is_in_shape(
    stand_in: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_campaign(stand_in, tmp_path) == 0
    printed = capsys.readouterr()
    assert f"total requests: {2 * len(ROUTES)}" in printed.out
    assert "5xx or unanswered: 0" in printed.out
    assert printed.err == ""
    assert sorted(p.name for p in (tmp_path / "reports").glob("round-*.har")) == [
        "round-0.har",
        "round-1.har",
    ]


def test_the_campaign_fails_on_a_5xx(
    stand_in: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STAND_IN_FAILS", "1")
    assert run_campaign(stand_in, tmp_path) == 1
    printed = capsys.readouterr()
    assert "5xx or unanswered: 2" in printed.out
    assert "FAIL server error: GET http://127.0.0.1:" in printed.err


def stand_in_calls(tmp_path: Path) -> list[list[str]]:
    lines = (tmp_path / "calls.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_the_campaign_fails_when_schemathesis_fails(
    stand_in: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STAND_IN_EXIT", "1")
    assert run_campaign(stand_in, tmp_path) == 1
    assert "FAIL schemathesis exited 1 in the round 1/2" in capsys.readouterr().err


def test_operations_under_the_floor_get_a_top_up_round(
    stand_in: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_campaign(stand_in, tmp_path, floor=3, top_up=7) == 0  # 2 rounds + top-up
    rounds = stand_in_calls(tmp_path)
    assert len(rounds) == 3
    top_up = rounds[2]
    assert top_up[top_up.index("--max-time") + 1] == "7"
    every = "^(" + "|".join(route.operation_id for route in ROUTES) + ")$"
    assert top_up[top_up.index("--include-operation-id-regex") + 1] == every
    assert "top-up round" in capsys.readouterr().out


def test_no_top_up_round_when_every_operation_reached_the_floor(
    stand_in: Path, tmp_path: Path
) -> None:
    assert run_campaign(stand_in, tmp_path, floor=2, top_up=7) == 0
    assert len(stand_in_calls(tmp_path)) == 2


def test_the_hook_puts_a_page_token_with_its_page_and_size_or_none(
    hooks: types.ModuleType,
) -> None:
    queries = []
    for n in range(40):
        made = case("get", "/calls", {"AccountSid": f"AC{n}"})
        made.query = {"Status": "busy"}
        queries.append(hooks.map_case(None, made).query)
    paged = {"Status": "busy", "PageToken": "PA1", "Page": "1", "PageSize": "2"}
    assert {json.dumps(q, sort_keys=True) for q in queries} == {
        json.dumps({"Status": "busy"}),
        json.dumps(paged, sort_keys=True),
    }
