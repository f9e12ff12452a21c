"""Settings read from the environment into one msgspec Struct per service.

Each field ``foo`` of a settings Struct is read from ``PEERLEARN_<SERVICE>_FOO`` first (so
one environment can configure three services apart), then ``PEERLEARN_FOO``. A value that
does not convert stops start-up with :class:`SettingsError` naming the variable.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from peerlearn import secret_policy, trusted_proxies

PREFIX = "PEERLEARN_"

S = TypeVar("S", bound="ServiceSettings")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


class ServiceSettings(msgspec.Struct, kw_only=True):
    """What every service shares. Service settings subclass this and add their own fields."""

    service: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: str = "./var"
    # Empty means a SQLite file ``<data_dir>/<service>.db``.
    database_url: str = ""
    # Empty means the runner's embedded nats-server (it sets this for its children).
    nats_url: str = ""
    # How this service authenticates to NATS (the runner sets user and password for its children):
    # a user and password, an NKey seed (the seed or a file holding it), or a .creds file.
    nats_user: str = ""
    nats_password: str = ""
    nats_nkey_seed: str = ""
    nats_creds: str = ""
    # CA file of the NATS servers' TLS certificates when it is not a public CA.
    nats_tls_ca: str = ""
    # Comma-separated IPs/networks of reverse proxies whose X-Forwarded-For/-Proto are believed.
    trusted_proxies: str = ""
    # Empty means an in-memory store in this process (one replica only).
    redis_url: str = ""
    jwt_secret: str = ""
    jwt_ttl_seconds: int = 12 * 3600
    admin_token: str = ""
    max_body_bytes: int = 1_048_576
    rate_limit_per_minute: int = 120
    # Reads (search included) per person, per IP when anonymous, and for the platform admin.
    read_rate_limit_per_minute: int = 1200
    idempotency_ttl_seconds: int = 24 * 3600
    consumer_max_deliver: int = 5
    # JetStream replicas of the streams: 3 on a 3-node cluster (deploy/), 1 on one server.
    stream_replicas: int = 1
    log_level: str = "INFO"
    # Empty means mail is written as .eml files under <data_dir>/mail (peerlearn.mail).
    smtp_url: str = ""
    mail_from: str = "peerlearn <no-reply@peerlearn.localhost>"
    # Where people open peerlearn in a browser (the web app): sign-in links point there.
    public_url: str = "http://127.0.0.1:8000"

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise SettingsError(f"{self.env_name('port')}: port {self.port} is outside 0..65535")
        if self.max_body_bytes < 1024:
            raise SettingsError(f"{self.env_name('max_body_bytes')}: must be at least 1024 bytes")
        if self.idempotency_ttl_seconds < 1:
            raise SettingsError(f"{self.env_name('idempotency_ttl_seconds')}: must be at least 1")
        if self.consumer_max_deliver < 1:
            raise SettingsError(f"{self.env_name('consumer_max_deliver')}: must be at least 1")
        for name in ("jwt_secret", "admin_token"):
            weakness = secret_policy.weakness(getattr(self, name))
            if weakness:
                raise SettingsError(f"{self.env_name(name)}: {weakness}")
        if self.nats_password and not self.nats_user:
            raise SettingsError(f"{self.env_name('nats_password')}: set {self.env_name('nats_user')} too")
        for name in ("nats_creds", "nats_tls_ca"):
            value = getattr(self, name)
            if value and not Path(value).is_file():
                raise SettingsError(f"{self.env_name(name)}: no file {value!r}")
        for name in ("nats_nkey_seed", "nats_creds"):
            if getattr(self, name) and importlib.util.find_spec("nkeys") is None:
                raise SettingsError(f"{self.env_name(name)}: NKey logins need the nkeys package")
        try:
            trusted_proxies.networks(self.trusted_proxies)
        except ValueError as exc:
            raise SettingsError(f"{self.env_name('trusted_proxies')}: {exc}") from None
        for name in ("database_url", "nats_url", "redis_url", "smtp_url", "public_url"):
            value = getattr(self, name)
            if value and "://" not in value:
                raise SettingsError(f"{self.env_name(name)}: {value!r} is not a URL (scheme://...)")

    def env_name(self, field: str) -> str:
        """The environment variable that sets ``field`` for this service."""
        return f"{PREFIX}{field.upper()}"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the async driver that SQLAlchemy needs."""
        url = self.database_url or f"sqlite+aiosqlite:///{Path(self.data_dir) / (self.service + '.db')}"
        if url.startswith(("postgres://", "postgresql://")):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        elif url.startswith("sqlite://"):
            url = "sqlite+aiosqlite://" + url.split("://", 1)[1]
        return url


def load_settings(cls: type[S], service: str, env: Mapping[str, str] | None = None) -> S:
    """Build ``cls`` for ``service`` from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {"service": service}
    source: dict[str, str] = {}
    for field in msgspec.structs.fields(cls):
        if field.name == "service":
            continue
        for key in (f"{PREFIX}{service.upper()}_{field.name.upper()}", f"{PREFIX}{field.name.upper()}"):
            if key in env:
                values[field.name] = env[key]
                source[field.name] = key
                break
    try:
        return msgspec.convert(values, cls, strict=False)
    except (msgspec.ValidationError, SettingsError) as exc:
        raise SettingsError(_name_the_variable(str(exc), source, env)) from None


def _name_the_variable(message: str, source: dict[str, str], env: Mapping[str, str]) -> str:
    """Rewrite msgspec's "... - at `$.port`" or our "PEERLEARN_PORT: ..." to the variable actually set."""
    for name, key in source.items():
        if f"`$.{name}`" in message:
            return f"{key}={env[key]!r}: {message.split(' - at ')[0]}"
        generic = f"{PREFIX}{name.upper()}:"
        if message.startswith(generic):
            return key + message[len(generic) - 1 :]
    return message
