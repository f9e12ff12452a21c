"""SSO client secrets at rest: sealed with Fernet under a key derived from the service's secret.

The key is HKDF-SHA256 of ``PEERLEARN_JWT_SECRET`` with its own label, so a database dump
alone does not reveal an org's client secret. Changing the JWT secret makes sealed secrets
unreadable: the org admins then enter them again (``PUT /v1/orgs/{org_id}/sso``).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretSealer:
    """Seals and opens short secrets; never logs or shows them."""

    def __init__(self, service_secret: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"peerlearn profiles sso secret v1"
        ).derive(service_secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def __repr__(self) -> str:
        return "SecretSealer(<key>)"

    def seal(self, secret: str) -> str:
        """The secret encrypted and authenticated, as text for a column."""
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The secret, or None when it was sealed under another key."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
