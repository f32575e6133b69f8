"""The call centre's settings: credentials, where Twilio reaches the app, the agents."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from twilio.rest import Client

DEPARTMENTS = ("sales", "support")  # menu key 1, 2


@dataclass(frozen=True)
class Config:
    """What the app needs; :meth:`from_env` reads the credentials the twilio CLI uses."""

    account_sid: str
    auth_token: str
    base_url: str  # where Twilio reaches the app, e.g. "https://callcentre.example"
    caller_id: str  # the centre's number: agents see it when they are rung
    agents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # department -> phones

    @classmethod
    def from_env(
        cls,
        base_url: str,
        caller_id: str,
        agents: Mapping[str, tuple[str, ...]],
        environ: Mapping[str, str] = os.environ,
    ) -> Config:
        """Credentials from ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``."""
        return cls(
            account_sid=environ["TWILIO_ACCOUNT_SID"],
            auth_token=environ["TWILIO_AUTH_TOKEN"],
            base_url=base_url.rstrip("/"),
            caller_id=caller_id,
            agents=dict(agents),
        )

    def client(self) -> Client:
        return Client(self.account_sid, self.auth_token)

    def url(self, path: str) -> str:
        """The absolute URL of one of the app's routes (REST parameters must be absolute)."""
        return f"{self.base_url}{path}"
