"""Edges of the HTTP API's parameter checks and of its registry helpers: each typed
parameter a create or list takes is refused with Twilio's 400 / 20001 when malformed
(through the real twilio client and raw HTTP), and the small helpers the registry,
the fault list and the IMPLEMENTED.md generator expose behave as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.api import implemented
from pytest_fakeconf.api.routes import REGISTRY

CALLER = "+15017122661"
CALLEE = "+15558675310"
VOICE_URL = "https://app.example/voice"
NOT_A_BYOC = "BYnot-hex"


def assert_twilio_400(response: requests.Response, needle: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == 20001 and body["status"] == 400
    assert needle in body["message"]


# -- Calls: create -------------------------------------------------------------


def test_call_create_refuses_a_byoc_that_is_not_a_by_sid(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        client.calls.create(to=CALLEE, from_=CALLER, url=VOICE_URL, byoc=NOT_A_BYOC)
    assert refused.value.status == 400 and refused.value.code == 20001
    form = {"To": CALLEE, "From": CALLER, "Url": VOICE_URL, "Byoc": NOT_A_BYOC}
    assert_twilio_400(http.post(f"{account_url}/Calls.json", data=form), "Byoc")
    assert fakeconf.calls == []


def test_call_create_accepts_a_well_formed_byoc(client: Client) -> None:
    call = client.calls.create(to=CALLEE, from_=CALLER, url=VOICE_URL, byoc="BY" + "a" * 32)
    assert call.status == "queued"


def test_call_create_refuses_an_unknown_recording_status_callback_event(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        client.calls.create(
            to=CALLEE, from_=CALLER, url=VOICE_URL, recording_status_callback_event=["bogus"]
        )
    assert refused.value.status == 400 and refused.value.code == 20001
    form = [
        ("To", CALLEE), ("From", CALLER), ("Url", VOICE_URL),
        ("RecordingStatusCallbackEvent", "completed"),
        ("RecordingStatusCallbackEvent", "ended"),
    ]  # fmt: skip
    response = http.post(f"{account_url}/Calls.json", data=form)
    assert_twilio_400(response, "RecordingStatusCallbackEvent")
    assert "'ended'" in response.json()["message"]
    assert fakeconf.calls == []


def test_call_create_accepts_known_recording_status_callback_events(client: Client) -> None:
    call = client.calls.create(
        to=CALLEE,
        from_=CALLER,
        url=VOICE_URL,
        recording_status_callback_event=["in-progress", "completed", "absent"],
    )
    assert call.status == "queued"


# -- Calls: list filters -----------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["2026-02-30T10:00:00Z", "2026-01-01T25:00:00Z", "2026-01-01T10:61:00+00:00"]
)
def test_a_date_time_filter_shaped_right_but_naming_no_instant_is_a_400(
    http: requests.Session, account_url: str, value: str
) -> None:
    response = http.get(f"{account_url}/Calls.json", params={"StartTime>": value})
    assert_twilio_400(response, "is not a valid date-time")


# -- Participants: create ------------------------------------------------------------


def test_participant_create_refuses_a_byoc_that_is_not_a_by_sid(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        client.conferences("Room").participants.create(from_=CALLER, to=CALLEE, byoc=NOT_A_BYOC)
    assert refused.value.status == 400 and refused.value.code == 20001
    url = f"{account_url}/Conferences/Room/Participants.json"
    response = http.post(url, data={"From": CALLER, "To": CALLEE, "Byoc": NOT_A_BYOC})
    assert_twilio_400(response, "Byoc")
    assert fakeconf.conferences == []


@pytest.mark.parametrize("name", ["x", "y" * 256])
def test_participant_create_refuses_a_caller_display_name_outside_2_to_255_characters(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str, name: str
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        client.conferences("Room").participants.create(
            from_=CALLER, to=CALLEE, caller_display_name=name
        )
    assert refused.value.status == 400 and refused.value.code == 20001
    url = f"{account_url}/Conferences/Room/Participants.json"
    response = http.post(url, data={"From": CALLER, "To": CALLEE, "CallerDisplayName": name})
    assert_twilio_400(response, "CallerDisplayName")
    assert fakeconf.conferences == []


def test_participant_create_accepts_a_caller_display_name_of_2_to_255_characters(
    fakeconf: FakeTwilio, client: Client
) -> None:
    client.conferences("Room").participants.create(
        from_=CALLER, to=CALLEE, caller_display_name="Jo", byoc="BY" + "0" * 32
    )
    client.conferences("Room").participants.create(
        from_=CALLER, to="+15558675311", caller_display_name="z" * 255
    )
    (room,) = fakeconf.conferences
    assert len(room.participants) == 2


def test_participant_create_in_a_conference_named_over_128_characters_is_a_400(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    name = "n" * 129
    with pytest.raises(TwilioRestException) as refused:
        client.conferences(name).participants.create(from_=CALLER, to=CALLEE)
    assert refused.value.status == 400 and refused.value.code == 20001
    url = f"{account_url}/Conferences/{name}/Participants.json"
    assert_twilio_400(http.post(url, data={"From": CALLER, "To": CALLEE}), "FriendlyName")
    assert fakeconf.conferences == []


# -- Recordings: the account's list ------------------------------------------------------


def test_account_recordings_refuse_an_include_soft_deleted_that_is_not_a_boolean(
    client: Client, http: requests.Session, account_url: str
) -> None:
    response = http.get(f"{account_url}/Recordings.json", params={"IncludeSoftDeleted": "yes"})
    assert_twilio_400(response, "IncludeSoftDeleted")
    # A list's page that is not a 200 is a TwilioException carrying the response.
    with pytest.raises(TwilioException) as refused:
        client.recordings.list(include_soft_deleted="maybe")  # type: ignore[arg-type]
    answered = refused.value.args[1]
    assert answered.status_code == 400 and '"code": 20001' in answered.text


@pytest.mark.parametrize("value", ["true", "False"])
def test_account_recordings_accept_include_soft_deleted_true_or_false(
    http: requests.Session, account_url: str, value: str
) -> None:
    response = http.get(f"{account_url}/Recordings.json", params={"IncludeSoftDeleted": value})
    assert response.status_code == 200
    assert response.json()["recordings"] == []


# -- The registry, faults and the generator ---------------------------------------------


def test_resolved_path_arguments_are_a_mapping_of_the_templates_names() -> None:
    account = "AC" + "1" * 32
    conference = "CF" + "2" * 32
    path = f"/2010-04-01/Accounts/{account}/Conferences/{conference}.json"
    resolved = REGISTRY.resolve("GET", path)
    assert resolved is not None
    args = resolved.args
    assert len(args) == 2
    assert dict(args) == {"AccountSid": account, "Sid": conference}
    assert args.account_sid == account
    assert repr(args) == f"PathArgs({dict(args)!r})"


def test_a_faults_repr_names_what_it_matches_and_leaves_out_what_is_unset(
    fakeconf: FakeTwilio,
) -> None:
    fault = fakeconf.inject_fault(503, method="POST", times=2)
    shown = repr(fault)
    assert shown.startswith(f"<Fault {fault.id} ")
    assert "status=503" in shown and "method='POST'" in shown and "times=2" in shown
    assert "probability" not in shown and "error=" not in shown


def test_the_generator_reads_twilios_document_from_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chosen = tmp_path / "oai.json"
    monkeypatch.setenv(implemented.ENV_VAR, str(chosen))
    assert implemented.document_path() == chosen
    assert implemented.document_path([str(tmp_path / "given.json")]) == tmp_path / "given.json"
    monkeypatch.delenv(implemented.ENV_VAR)
    assert implemented.document_path() == implemented.DEFAULT_PATH


@pytest.mark.parametrize("argv", [["-h"], ["--help"], ["a.json", "b.json"]])
def test_the_generator_prints_its_usage_for_help_or_too_many_arguments(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert implemented.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: ") and "[OAI_PATH]" in err


def test_a_number_outside_the_nanp_is_formatted_as_given(client: Client) -> None:
    # §1.2: "non-NANP numbers stay E.164"; a NANP number reads (555) 867-5310.
    call = client.calls.create(to="+442071838750", from_=CALLER, url=VOICE_URL)
    assert call.to_formatted == "+442071838750"
    assert call.from_formatted == "(501) 712-2661"
