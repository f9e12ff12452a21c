"""The rules of signing in, free of HTTP, SQL and NATS: codes, their states, SSO settings.

A sign-in code is 32 random bytes (URL-safe text) that only its mail ever holds: the store
keeps its sha256. It works once, for :data:`CODE_TTL`, and a newer code of the same person
replaces it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from peerlearn.errors import Invalid

CODE_TTL = timedelta(minutes=15)
CODE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def new_code() -> str:
    """A fresh sign-in code: 32 random bytes as URL-safe text (43 characters)."""
    return secrets.token_urlsafe(32)


def code_hash(code: str) -> str:
    """What the store keeps of a code: its sha256, hex."""
    return hashlib.sha256(code.encode()).hexdigest()


def refusal(state: str | None, expires_at: datetime | None, now: datetime) -> Invalid:
    """Why a code did not sign anyone in, in words the person can act on."""
    if state == "used":
        return Invalid("this sign-in code was already used; ask for a new link")
    if state == "replaced":
        return Invalid("this sign-in code was replaced by a newer one; use the link in the latest mail")
    if state == "open" and expires_at is not None and as_utc(expires_at) <= now:
        return Invalid("this sign-in code has expired (codes work for 15 minutes); ask for a new link")
    return Invalid("this sign-in code is unknown; check the link or ask for a new one")


def as_utc(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their zone; everything stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def sign_in_url(public_url: str, code: str) -> str:
    """The link the web app turns into a sign-in."""
    return f"{public_url.rstrip('/')}/sign-in/{code}"


def check_issuer(issuer: str) -> str:
    """An issuer URL: https, or http on this machine only (a test or development provider)."""
    parts = urlsplit(issuer.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Invalid(f"issuer {issuer!r} is not an https URL")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise Invalid(f"issuer {issuer!r} must use https (http only for localhost)")
    if parts.query or parts.fragment:
        raise Invalid(f"issuer {issuer!r} must not have a query or fragment")
    return issuer.strip().rstrip("/")


def check_domains(domains: Iterable[str]) -> list[str]:
    """Email domains, lowercased, each once; at least one."""
    result: list[str] = []
    for raw in domains:
        domain = raw.strip().lstrip("@").lower()
        if not DOMAIN.match(domain):
            raise Invalid(f"{raw!r} is not an email domain (e.g. 'example.org')")
        if domain not in result:
            result.append(domain)
    if not result:
        raise Invalid("allowed_domains must name at least one email domain")
    return result


def domain_allowed(email: str, domains: Iterable[str]) -> bool:
    """Whether the email's domain is one of ``domains`` (exactly, not a subdomain)."""
    return email.rpartition("@")[2].strip().lower() in set(domains)
