"""HTTP Basic authentication as Twilio does it: account SID + auth token, or API key."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from ..core.accounts import Account, Accounts
from ..core.errors import unauthorized as unauthorized

WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="Twilio API"'}


def basic_credentials(header: str | bytes | None) -> tuple[str, str] | None:
    """(username, password) of an ``Authorization: Basic …`` header value; None for
    anything else: another scheme, no colon, or credentials that do not decode
    (not ASCII, not base64, not UTF-8 once decoded).

    The one decoding for the API and the server's control endpoints. Any header
    a client can send is only ever a wrong credential here, never an error.
    """
    if isinstance(header, bytes):  # requests passes bytes values through as given
        header = header.decode("latin-1")
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        # b64decode refuses a non-ASCII str with a plain ValueError; binascii.Error
        # and UnicodeDecodeError are ValueErrors too.
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def authenticate(accounts: Accounts, headers: Mapping[str, str]) -> Account:
    """The account the ``Authorization`` header opens; 401/20003 otherwise."""
    credentials = basic_credentials(headers.get("authorization"))
    if credentials is None:
        raise unauthorized()
    account = accounts.authenticate(*credentials)
    if account is None:
        raise unauthorized()
    return account
