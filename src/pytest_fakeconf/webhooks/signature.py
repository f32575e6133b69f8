"""``X-Twilio-Signature``: base64(HMAC-SHA1(auth token, URL + sorted key/value pairs)).

The algorithm of twilio-python's ``RequestValidator.compute_signature`` (§4.3 of
the conference reference): the full URL, then for each key in sorted order
each of its distinct values in sorted order, appended as ``key + value``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def signature(auth_token: str, url: str, pairs: Iterable[tuple[str, str]] = ()) -> str:
    data = url + "".join(k + v for k, v in sorted(set(pairs)))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
