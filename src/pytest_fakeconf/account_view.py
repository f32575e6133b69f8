"""``AccountView``: a :class:`FakeTwilio` bound to another account of the same fake.

:meth:`FakeTwilio.add_account` returns one. It shares everything with the fake it
came from (the backend and its stores, the clock, the scheduler, the journals, the
webhook routes, the faults, the transports) and differs only in the account it
acts for: its ``account_sid`` and ``auth_token``, the conferences and calls it
lists and creates, the events it shows. An app holding the second account's
credentials sees only that account's resources, as with a separate account.
"""

from __future__ import annotations

from typing import Any

from .core.accounts import Account
from .fake import FakeTwilio

_OWN = ("_main_fake", "_account")


class AccountView(FakeTwilio):
    """The fake as ``account`` sees it; every other attribute is the main fake's."""

    def __init__(self, main: FakeTwilio, account: Account) -> None:  # no super(): shares main's
        self._main_fake = main
        # The Account record may be rebuilt by a reset; its SID and token stay the same.
        self._account = account

    def __getattr__(self, name: str) -> Any:
        # Only called for what this view does not hold itself: the main fake's state.
        return getattr(self.__dict__["_main_fake"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OWN:
            object.__setattr__(self, name, value)
        else:  # e.g. journal_size: the main fake's setting
            setattr(self._main_fake, name, value)

    def _main(self) -> FakeTwilio:
        return self._main_fake

    def reset(self) -> None:
        """Reset the whole fake (every account's data), as :meth:`FakeTwilio.reset`."""
        self._main_fake.reset()
