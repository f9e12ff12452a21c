"""One-click unsubscribe tokens (RFC 8058): who and which kind ("all" for every kind), signed."""

from __future__ import annotations

import base64
import hashlib
import hmac

from peerlearn.errors import NotFound

ALL = "all"


def _sign(secret: str, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), b"unsubscribe:" + payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def token_for(secret: str, person_id: str, kind: str) -> str:
    """A token that turns ``kind`` off for ``person_id``; it needs no sign-in and never expires."""
    payload = f"{person_id}:{kind}".encode()
    encoded = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{encoded}.{_sign(secret, payload)}"


def read_token(secret: str, token: str) -> tuple[str, str]:
    """``(person_id, kind)`` of a genuine token; :class:`NotFound` for anything else."""
    encoded, _, signature = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        person_id, kind = payload.decode().rsplit(":", 1)
    except ValueError:
        raise NotFound("no such unsubscribe link") from None
    if not signature or not hmac.compare_digest(signature, _sign(secret, payload)):
        raise NotFound("no such unsubscribe link")
    return person_id, kind
