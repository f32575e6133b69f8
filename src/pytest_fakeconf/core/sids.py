"""Deterministic Twilio-style SIDs: two letters and 32 lowercase hex digits."""

from __future__ import annotations

import hashlib
import random
import re

SID_RE = {
    prefix: re.compile(rf"\A{prefix}[0-9a-fA-F]{{32}}\Z")
    for prefix in ("AC", "CF", "CA", "CP", "RE", "SK", "RQ")
}


def seed_to_int(seed: int | str | bytes) -> int:
    """Turn any seed (a test's node id, a number) into a stable 64-bit integer.

    Python's ``hash()`` of a string changes between processes, so a digest is
    used: the same seed gives the same SIDs alone, in a suite, or under xdist.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, str, bytes)):
        raise TypeError(f"seed must be an int, str or bytes, not {type(seed).__name__}")
    if isinstance(seed, int):
        return seed
    data = seed.encode() if isinstance(seed, str) else seed
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


class SidSource:
    """Draws SIDs and secrets from one seeded random stream."""

    __slots__ = ("_random",)

    def __init__(self, seed: int | str | bytes = 0) -> None:
        self._random = random.Random(seed_to_int(seed))

    def hex32(self) -> str:
        return f"{self._random.getrandbits(128):032x}"

    def sid(self, prefix: str) -> str:
        return prefix + self.hex32()

    @property
    def random(self) -> random.Random:
        """The underlying stream, for other seeded choices (history generation)."""
        return self._random


def is_sid(value: object, prefix: str) -> bool:
    return isinstance(value, str) and SID_RE[prefix].match(value) is not None
