"""Short secrets at rest (an LRS password, say): sealed with Fernet under a key derived from the
service's secret, so that a database dump alone does not reveal them.

The key is HKDF-SHA256 of the service secret (``PEERLEARN_JWT_SECRET``) with a label of its own
per use, so one use's sealed values never open under another's key. Changing the service secret
makes what was sealed unreadable: :meth:`SecretSealer.open` then answers None and the owner
enters the secret again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretSealer:
    """Seals and opens short secrets for one ``purpose``; never logs or shows them."""

    def __init__(self, service_secret: str, purpose: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"peerlearn {purpose} v1".encode()
        ).derive(service_secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def __repr__(self) -> str:
        return "SecretSealer(<key>)"

    def seal(self, secret: str) -> str:
        """The secret encrypted and authenticated, as text for a column."""
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The secret, or None when it was sealed under another key (or never sealed)."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
