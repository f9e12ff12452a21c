"""The profiles service's settings (environment: ``PEERLEARN_PROFILES_*`` then ``PEERLEARN_*``)."""

from __future__ import annotations

from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, load_settings

SERVICE = "profiles"
DEFAULT_PORT = 8001


class ProfilesSettings(ServiceSettings, kw_only=True):
    """Settings of the profiles service."""

    service: str = SERVICE
    port: int = DEFAULT_PORT


def load(env: Mapping[str, str] | None = None) -> ProfilesSettings:
    """Read this service's settings from the environment."""
    return load_settings(ProfilesSettings, SERVICE, env)
