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
    """Draws SIDs and secrets from one seeded random stream.

    A durable store (server mode's ``--data``) starts each run of the server on a new
    *generation* of the stream (:meth:`salt`) and names the SIDs it already holds
    (:meth:`reserve`): a restart never hands out a SID the store has.
    """

    __slots__ = ("_random", "_seed", "_taken")

    def __init__(self, seed: int | str | bytes = 0) -> None:
        self._seed = seed_to_int(seed)
        self._random = random.Random(self._seed)
        self._taken: set[str] = set()

    def hex32(self) -> str:
        return f"{self._random.getrandbits(128):032x}"

    def sid(self, prefix: str) -> str:
        sid = prefix + self.hex32()
        while sid in self._taken:  # only a durable store reserves SIDs
            sid = prefix + self.hex32()
        return sid

    def salt(self, generation: int) -> None:
        """Draw from here on from the seed's stream number ``generation`` (0: go on
        with the seed's own stream, as constructed)."""
        if generation:
            self._random = random.Random(seed_to_int(f"{self._seed}/{generation}"))

    def reserve(self, sids: set[str]) -> None:
        """Never draw any of ``sids`` (SIDs a durable store already holds)."""
        self._taken |= sids


def is_sid(value: object, prefix: str) -> bool:
    return isinstance(value, str) and SID_RE[prefix].match(value) is not None
