"""The live participants of one conference, and Twilio's rules for labels.

Only live participants exist (§5.4): one who leaves, is kicked or whose
conference ends is removed, and a fetch of it is a 404.
"""

from __future__ import annotations

import re

from .collection import Collection
from .errors import TwilioError
from .models import Participant

LABEL_MAX = 128
_CALL_SID_SHAPE = re.compile(r"\ACA[0-9a-f]{32}\Z")


def check_label(label: str) -> str:
    """16024 unless the label is 1 to 128 characters, not a call SID, and has no ``/``."""
    if (
        not label
        or len(label) > LABEL_MAX
        or _CALL_SID_SHAPE.match(label)
        or "/" in label
        or "%2f" in label.lower()
    ):
        raise TwilioError(
            400,
            16024,
            "Invalid participant label, must not exceed 128 characters, "
            "must not be a CallSid, must not contain '/'",
        )
    return label


class ParticipantStore(Collection[Participant]):
    """Live participants, by call SID and by label; paged by hidden ``CP`` SIDs."""

    __slots__ = ("_by_call", "_by_label")

    def __init__(self) -> None:
        super().__init__()
        self._by_call: dict[str, Participant] = {}
        self._by_label: dict[str, Participant] = {}

    def add(self, participant: Participant) -> None:
        if participant.label is not None:
            self.check_label_free(participant.label)
        self._add(participant.key, participant.cp_sid, participant)
        self._by_call[participant.call_sid] = participant
        if participant.label is not None:
            self._by_label[participant.label] = participant

    def remove(self, participant: Participant) -> None:
        if self._by_call.get(participant.call_sid) is not participant:
            return
        self._remove(participant.key)
        del self._by_call[participant.call_sid]
        if participant.label is not None:
            del self._by_label[participant.label]

    def check_label_free(self, label: str) -> None:
        if label in self._by_label:
            raise TwilioError(400, 16026, "Participant label is in use by another participant")

    def find(self, call_sid_or_label: str) -> Participant | None:
        """Twilio's ``{CallSid}`` path segment: a call SID or a label."""
        found = self._by_call.get(call_sid_or_label)
        return found if found is not None else self._by_label.get(call_sid_or_label)

    def live(self) -> list[Participant]:
        """Every live participant, oldest first."""
        return list(reversed(list(self.newest_first())))

    def connected(self) -> list[Participant]:
        return [p for p in self._by_call.values() if p.status == "connected"]

    def has_call(self, call_sid: str) -> bool:
        return call_sid in self._by_call
