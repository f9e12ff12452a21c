"""SSO client secrets at rest: sealed with Fernet under a key derived from the service's secret.

The key is HKDF-SHA256 of ``PEERLEARN_JWT_SECRET`` with its own label (``peerlearn.sealing``),
so a database dump alone does not reveal an org's client secret. Changing the JWT secret makes
sealed secrets unreadable: the org admins then enter them again (``PUT /v1/orgs/{org_id}/sso``).
"""

from __future__ import annotations

from peerlearn import sealing


class SecretSealer(sealing.SecretSealer):
    """Seals and opens SSO client secrets; never logs or shows them."""

    def __init__(self, service_secret: str) -> None:
        # The label is the one secrets were sealed under before peerlearn.sealing existed.
        super().__init__(service_secret, "profiles sso secret")
