"""The web service's settings: where the upstream services are, and how sessions behave.

Upstream URLs default to the ports the other services are told to use
(``PEERLEARN_PROFILES_PORT`` and so on, as ``peerlearn up`` passes them), so one environment
configures the whole system; ``PEERLEARN_WEB_PROFILES_URL`` etc. name a service elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, SettingsError, load_settings

UPSTREAM_PORTS = {"profiles": 8001, "forum": 8002, "matcher": 8003, "notify": 8004, "insights": 8005}


class WebSettings(ServiceSettings, kw_only=True):
    """Settings of the web service (``PEERLEARN_WEB_<NAME>`` first, then ``PEERLEARN_<NAME>``)."""

    port: int = 8000
    profiles_url: str = ""
    forum_url: str = ""
    matcher_url: str = ""
    notify_url: str = ""
    insights_url: str = ""
    # Links in mail and the OIDC redirect point here; https makes the session cookie Secure.
    public_url: str = "http://127.0.0.1:8000"
    session_ttl_seconds: int = 12 * 3600
    upstream_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("profiles_url", "forum_url", "matcher_url", "notify_url", "insights_url", "public_url"):
            value = getattr(self, name)
            if value and not value.startswith(("http://", "https://")):
                raise SettingsError(f"{self.env_name(name)}: {value!r} is not an http(s) URL")
        if self.session_ttl_seconds < 60:
            raise SettingsError(f"{self.env_name('session_ttl_seconds')}: must be at least 60")
        if not 0 < self.upstream_timeout_seconds <= 120:
            raise SettingsError(f"{self.env_name('upstream_timeout_seconds')}: must be in (0, 120]")

    def env_name(self, field: str) -> str:
        """The environment variable that sets ``field`` for the web service."""
        return f"PEERLEARN_WEB_{field.upper()}"

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure when people reach the site over https."""
        return self.public_url.startswith("https://")

    def upstream_urls(self) -> dict[str, str]:
        """The base URL of each upstream service, by name."""
        return {
            "profiles": self.profiles_url,
            "forum": self.forum_url,
            "matcher": self.matcher_url,
            "notify": self.notify_url,
            "insights": self.insights_url,
        }


def load(env: Mapping[str, str] | None = None) -> WebSettings:
    """Read the web settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    settings = load_settings(WebSettings, "web", env)
    host = env.get("PEERLEARN_HOST", "127.0.0.1")
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    for name, default in UPSTREAM_PORTS.items():
        if not getattr(settings, f"{name}_url"):
            port = env.get(f"PEERLEARN_{name.upper()}_PORT") or str(default)
            if not port.isdigit():
                raise SettingsError(f"PEERLEARN_{name.upper()}_PORT={port!r} is not a port number")
            setattr(settings, f"{name}_url", f"http://{host}:{port}")
    return settings
