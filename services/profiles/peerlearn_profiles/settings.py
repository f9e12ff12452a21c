"""The profiles service's settings (environment: ``PEERLEARN_PROFILES_*`` then ``PEERLEARN_*``)."""

from __future__ import annotations

from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, SettingsError, load_settings

SERVICE = "profiles"
DEFAULT_PORT = 8001


class ProfilesSettings(ServiceSettings, kw_only=True):
    """Settings of the profiles service."""

    service: str = SERVICE
    port: int = DEFAULT_PORT
    # Body limit of the CSV import (PEERLEARN_PROFILES_IMPORT_MAX_BYTES); other bodies keep max_body_bytes.
    import_max_bytes: int = 5 * 1024 * 1024
    # Sign-in mails asked for one address / from one IP per 15 minutes; 429 with Retry-After past it.
    sign_in_mails_per_address: int = 5
    sign_in_mails_per_ip: int = 30

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.import_max_bytes < 1024:
            raise SettingsError(f"{self.env_name('import_max_bytes')}: must be at least 1024 bytes")
        for name in ("sign_in_mails_per_address", "sign_in_mails_per_ip"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.env_name(name)}: must be at least 1")


def load(env: Mapping[str, str] | None = None) -> ProfilesSettings:
    """Read this service's settings from the environment."""
    return load_settings(ProfilesSettings, SERVICE, env)
