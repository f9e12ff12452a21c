"""Webhook secrets at rest: sealed with AES-256-GCM under a key derived from the service secret.

A json webhook's secret is shown once, at creation, and needed again only to sign deliveries;
a copy of the database (a backup, a dump on a laptop) must not be enough to forge signed
deliveries. The key is HKDF-SHA256 of the service secret (``PEERLEARN_JWT_SECRET``, which also
signs tokens and unsubscribe links) with an info string of its own, so it is no other key in
use. The webhook's id is the associated data: a sealed secret copied onto another webhook's row
does not open. AES-GCM of the secret's 32 bytes rather than Fernet: its 85 characters fit the
existing column (a Fernet token of them is 140), so no migration is needed.

Secrets stored before sealing existed (64 hex digits, no prefix) still open as they are, and
:func:`seal_stored` seals them at start-up.
"""

from __future__ import annotations

import base64
import os

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.webhook_tables import webhooks

PREFIX = "gcm1:"
_INFO = b"peerlearn notify webhook secrets v1"


class UnreadableSecret(ValueError):
    """A sealed secret that this key does not open (the service secret changed)."""


class SecretBox:
    """Seals and opens webhook secrets with the key derived from ``service_secret``."""

    def __init__(self, service_secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            service_secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, webhook_id: str, secret: str) -> str:
        """The form stored in the row of ``secret`` (hex digits): prefix, then base64url of nonce
        and ciphertext."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, bytes.fromhex(secret), webhook_id.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, webhook_id: str, stored: str) -> str:
        """The secret itself; a value stored before sealing is returned as it is."""
        if not stored.startswith(PREFIX):
            return stored
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], webhook_id.encode()).hex()
        except InvalidTag:
            raise UnreadableSecret(
                "the webhook's secret does not open with this PEERLEARN_JWT_SECRET (was it changed?); "
                "delete the webhook and make it again"
            ) from None


async def seal_stored(uow: UnitOfWork, box: SecretBox) -> int:
    """Seal the secrets stored in the clear by an earlier version; how many."""
    async with uow.writing() as tx:
        rows = (
            await tx.session.execute(
                sa.select(webhooks.c.id, webhooks.c.secret).where(
                    webhooks.c.secret.is_not(None), webhooks.c.secret.not_like(f"{PREFIX}%")
                )
            )
        ).all()
        for row in rows:
            await tx.session.execute(
                sa.update(webhooks).where(webhooks.c.id == row.id).values(secret=box.seal(row.id, row.secret))
            )
    return len(rows)
