"""Accounts, their auth tokens and API keys, and who may act for whom."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from .errors import FakeconfError
from .sids import SidSource, is_sid


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A standard API key: authenticate as ``sid`` with ``secret``.

    Attributes:
        sid: ``SK…``, the username of HTTP Basic auth.
        secret: the password (not shown in the repr).
        account_sid: the account it acts for.
    """

    sid: str
    secret: str = field(repr=False)
    account_sid: str


@dataclass(slots=True)
class Account:
    sid: str
    auth_token: str
    api_keys: dict[str, ApiKey] = field(default_factory=dict)


class Accounts:
    """The accounts a fake serves, and the credentials that open them."""

    __slots__ = ("_accounts", "_keys", "_sids")

    def __init__(self, sids: SidSource) -> None:
        self._sids = sids
        self._accounts: dict[str, Account] = {}
        self._keys: dict[str, ApiKey] = {}

    def add(self, sid: str | None = None, auth_token: str | None = None) -> Account:
        sid = sid if sid is not None else self._sids.sid("AC")
        if not is_sid(sid, "AC"):
            raise ValueError(f"account_sid must be 'AC' + 32 hex digits, got {sid!r}")
        if sid in self._accounts:
            raise FakeconfError(f"account {sid} already exists")
        token = auth_token if auth_token is not None else self._sids.hex32()
        if not isinstance(token, str) or not token:
            raise ValueError("auth_token must be a non-empty string")
        account = Account(sid, token)
        self._accounts[sid] = account
        return account

    def get(self, sid: str) -> Account | None:
        return self._accounts.get(sid)

    def all(self) -> list[Account]:
        """Every account, in the order they were added (the first is the default one)."""
        return list(self._accounts.values())

    def api_keys(self) -> list[ApiKey]:
        """Every API key, in the order they were created."""
        return list(self._keys.values())

    def restore_api_key(self, key: ApiKey) -> None:
        """Hold again an API key a durable store saved (its account must exist)."""
        self._accounts[key.account_sid].api_keys[key.sid] = key
        self._keys[key.sid] = key

    def add_api_key(self, account_sid: str) -> ApiKey:
        account = self._accounts[account_sid]
        key = ApiKey(self._sids.sid("SK"), self._sids.hex32(), account_sid)
        account.api_keys[key.sid] = key
        self._keys[key.sid] = key
        return key

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account these credentials open, or None. Constant-time compare."""
        account = self._accounts.get(username)
        if account is not None:
            secret = account.auth_token
        else:
            key = self._keys.get(username)
            if key is None:
                return None
            account, secret = self._accounts[key.account_sid], key.secret
        if hmac.compare_digest(secret.encode(), password.encode()):
            return account
        return None
