"""HTTP Basic authentication as Twilio does it: account SID + auth token, or API key."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from ..core.accounts import Account, Accounts
from ..core.errors import TwilioError

WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="Twilio API"'}


def unauthorized() -> TwilioError:
    return TwilioError(401, 20003, "Authenticate")


def authenticate(accounts: Accounts, headers: Mapping[str, str]) -> Account:
    """The account the ``Authorization`` header opens; 401/20003 otherwise."""
    header = headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise unauthorized()
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized() from None
    username, colon, password = decoded.partition(":")
    if not colon:
        raise unauthorized()
    account = accounts.authenticate(username, password)
    if account is None:
        raise unauthorized()
    return account
