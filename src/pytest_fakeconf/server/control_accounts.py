"""Control handlers for accounts: list them, add one, seed one with a history."""

from __future__ import annotations

from ..api.routing import PathArgs
from ..core.errors import FakeconfError
from ..fake import FakeTwilio
from .control_fields import moment, optional_text, whole
from .control_replies import Body, ControlError, Reply, reply

MAX_HISTORY = 1_000_000  # conferences one request may seed (about 1 GB of memory)


def list_accounts(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    """Every account's SID, the default one (the banner's) first; never a token."""
    sids = fake.account_sids
    return reply(
        200, {"accounts": [{"account_sid": sid, "default": sid == sids[0]} for sid in sids]}
    )


def add_account(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    """A new account (its SID and token drawn from the seed unless given): 201 with both."""
    sid, token = optional_text(data, "account_sid"), optional_text(data, "auth_token")
    try:
        added = fake.add_account(sid, token)
    except FakeconfError as error:  # the SID is taken
        raise ControlError(409, str(error)) from None
    return reply(201, {"account_sid": added.account_sid, "auth_token": added.auth_token})


def seed_history(fake: FakeTwilio, args: PathArgs, data: Body) -> Reply:
    """``generate_history`` for the account: the counts and the first and last SIDs."""
    count = whole(data, "count", -1, 0, MAX_HISTORY)
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, str))):
        raise ControlError(400, "seed must be an integer or a string")
    start, end = moment(data.get("start")), moment(data.get("end"))
    # Defaults (FakeTwilio.generate_history): end now, start 30 days before end.
    created = fake.generate_history(count, start=start, end=end, seed=seed)
    return reply(
        201,
        {
            "created": len(created),
            "first_sid": created[0].sid if created else None,
            "last_sid": created[-1].sid if created else None,
            "conferences": len(fake._backend.conference_store(fake.account_sid)),
        },
    )
