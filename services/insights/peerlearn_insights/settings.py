"""The insights service's settings (environment: ``PEERLEARN_INSIGHTS_*`` then ``PEERLEARN_*``)."""

from __future__ import annotations

from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, SettingsError, load_settings

SERVICE = "insights"
DEFAULT_PORT = 8005


class InsightsSettings(ServiceSettings, kw_only=True):
    """Settings of the insights service."""

    service: str = SERVICE
    port: int = DEFAULT_PORT
    # The LRS of every org that set none (its xAPI base, e.g. https://lrs.example/xAPI/); empty:
    # only orgs that set their own LRS get statements (the others' wait in the outbox).
    xapi_endpoint: str = ""
    xapi_username: str = ""
    xapi_password: str = ""
    # The statement sender: statements per POST, how often it looks for new rows, the first
    # wait after an LRS is down (doubling per failure up to the cap), one POST's timeout.
    xapi_batch_size: int = 100
    xapi_poll_seconds: float = 1.0
    xapi_retry_seconds: float = 1.0
    xapi_max_backoff_seconds: float = 300.0
    xapi_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.xapi_endpoint and not self.xapi_endpoint.startswith(("http://", "https://")):
            raise SettingsError(f"{self.env_name('xapi_endpoint')}: an http(s) URL of the LRS's xAPI base")
        if self.xapi_endpoint and not (self.xapi_username and self.xapi_password):
            raise SettingsError(
                f"{self.env_name('xapi_endpoint')}: set {self.env_name('xapi_username')} and "
                f"{self.env_name('xapi_password')} too (HTTP Basic)"
            )
        if not 1 <= self.xapi_batch_size <= 1000:
            raise SettingsError(f"{self.env_name('xapi_batch_size')}: between 1 and 1000")
        for name in (
            "xapi_poll_seconds",
            "xapi_retry_seconds",
            "xapi_max_backoff_seconds",
            "xapi_timeout_seconds",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{self.env_name(name)}: must be more than 0")


def load(env: Mapping[str, str] | None = None) -> InsightsSettings:
    """Read this service's settings from the environment."""
    return load_settings(InsightsSettings, SERVICE, env)
