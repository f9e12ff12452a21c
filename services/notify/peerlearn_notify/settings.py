"""The notify service's settings (environment: ``PEERLEARN_NOTIFY_*`` then ``PEERLEARN_*``)."""

from __future__ import annotations

from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, SettingsError, load_settings

SERVICE = "notify"
DEFAULT_PORT = 8004


class NotifySettings(ServiceSettings, kw_only=True):
    """Settings of the notify service."""

    service: str = SERVICE
    port: int = DEFAULT_PORT
    # Immediate mails per person per local day; past it they roll into the digest.
    immediate_mails_per_day: int = 10
    # The local hour (in the person's timezone) digests are sent at.
    digest_hour: int = 8
    # Open notification streams (SSE) one person may hold at once.
    streams_per_person: int = 3
    # Attempts at sending one mail before it is given up (recorded as failed).
    mail_attempts: int = 5
    # First retry delay of a refused mail; doubles per attempt.
    mail_retry_seconds: float = 30.0
    # How often the mail sender (and the inbox stream) look for work.
    mail_poll_seconds: float = 1.0
    # How often the digest clock looks for digests due.
    digest_poll_seconds: float = 60.0
    # Where mail clients reach the one-click unsubscribe; empty: http://<host>:<port>/v1/unsubscribe.
    unsubscribe_url: str = ""
    # Someone who read their inbox (the web app's pages do) this many minutes ago gets no
    # immediate mail: it waits in the inbox, then the digest if still unread. 0: always mail.
    active_minutes: int = 10
    # Org webhooks: PEERLEARN_WEBHOOK_ALLOW_PRIVATE=1 lets them reach loopback, link-local and
    # private addresses (tests, a chat server on the same network); off, such URLs are refused.
    webhook_allow_private: bool = False
    # Attempts at one delivery before it is given up; the first retry delay, doubling.
    webhook_attempts: int = 6
    webhook_retry_seconds: float = 30.0
    # Failed attempts in a row (any of its deliveries) after which a webhook is disabled.
    webhook_failures_to_disable: int = 10
    webhook_timeout_seconds: float = 10.0
    # How often the webhook sender looks for deliveries due, and the unanswered check runs.
    webhook_poll_seconds: float = 1.0
    unanswered_poll_seconds: float = 300.0

    @property
    def unsubscribe_base(self) -> str:
        """The unsubscribe address mails point to."""
        return self.unsubscribe_url or f"http://{self.host}:{self.port}/v1/unsubscribe"

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in (
            "immediate_mails_per_day",
            "streams_per_person",
            "mail_attempts",
            "webhook_attempts",
            "webhook_failures_to_disable",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.env_name(name)}: must be at least 1")
        if self.active_minutes < 0:
            raise SettingsError(f"{self.env_name('active_minutes')}: must be 0 or more")
        if not 0 <= self.digest_hour <= 23:
            raise SettingsError(f"{self.env_name('digest_hour')}: must be an hour 0..23")
        for name in (
            "mail_retry_seconds",
            "mail_poll_seconds",
            "digest_poll_seconds",
            "webhook_retry_seconds",
            "webhook_timeout_seconds",
            "webhook_poll_seconds",
            "unanswered_poll_seconds",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{self.env_name(name)}: must be more than 0")


def load(env: Mapping[str, str] | None = None) -> NotifySettings:
    """Read this service's settings from the environment."""
    return load_settings(NotifySettings, SERVICE, env)
