"""Sign-in's pure rules, the sealing of SSO secrets, and the request throttle (on a real MemoryStore)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from litestar.stores.memory import MemoryStore

from peerlearn.errors import Invalid
from peerlearn_profiles.adapters.sign_in_throttle import SignInThrottle
from peerlearn_profiles.adapters.sso_secrets import SecretSealer
from peerlearn_profiles.domain.sign_in import (
    CODE,
    check_domains,
    check_issuer,
    code_hash,
    domain_allowed,
    new_code,
    refusal,
    sign_in_url,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_codes_are_long_random_and_kept_only_as_their_hash() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 43 and CODE.match(code) for code in codes)
    code = next(iter(codes))
    assert code_hash(code) == hashlib.sha256(code.encode()).hexdigest() != code


@pytest.mark.parametrize(
    ("state", "expires_at", "says"),
    [
        ("used", NOW + timedelta(minutes=5), "already used"),
        ("replaced", NOW + timedelta(minutes=5), "replaced by a newer one"),
        ("open", NOW - timedelta(seconds=1), "has expired"),
        ("open", (NOW - timedelta(minutes=1)).replace(tzinfo=None), "has expired"),  # SQLite: no zone
        (None, None, "is unknown"),
    ],
)
def test_a_refused_code_says_why(state: str | None, expires_at: datetime | None, says: str) -> None:
    assert says in refusal(state, expires_at, NOW).detail


def test_the_link_points_at_the_web_app() -> None:
    assert sign_in_url("https://learn.example.org/", "abc") == "https://learn.example.org/sign-in/abc"


@pytest.mark.parametrize(
    ("issuer", "expected"),
    [
        ("https://idp.example.org/", "https://idp.example.org"),
        ("https://login.example.org/tenant/v2.0", "https://login.example.org/tenant/v2.0"),
        ("http://localhost:9400", "http://localhost:9400"),
    ],
)
def test_issuers_are_https_or_local(issuer: str, expected: str) -> None:
    assert check_issuer(issuer) == expected


@pytest.mark.parametrize(
    "issuer", ["http://idp.example.org", "ftp://idp.example.org", "https://", "https://idp.example.org/?x=1"]
)
def test_other_issuers_are_refused(issuer: str) -> None:
    with pytest.raises(Invalid, match="issuer"):
        check_issuer(issuer)


def test_domains_are_lowercased_once_each_and_matched_exactly() -> None:
    domains = check_domains(["Corp.Example.org", "@corp.example.org", "lab.example.org"])
    assert domains == ["corp.example.org", "lab.example.org"]
    assert domain_allowed("Ada@CORP.example.org", domains)
    assert not domain_allowed("ada@evil-corp.example.org", domains)
    assert not domain_allowed("ada@sub.corp.example.org", domains)
    with pytest.raises(Invalid, match="not an email domain"):
        check_domains(["corp example.org"])
    with pytest.raises(Invalid, match="at least one"):
        check_domains([])


def test_a_sealed_secret_opens_only_with_the_same_service_secret() -> None:
    sealer = SecretSealer("a" * 20 + "b" * 20)
    sealed = sealer.seal("client-secret-123")
    assert "client-secret-123" not in sealed
    assert sealer.open(sealed) == "client-secret-123"
    assert SecretSealer("c" * 40).open(sealed) is None
    assert "client-secret" not in repr(sealer)


async def test_the_throttle_counts_per_address_and_per_ip() -> None:
    throttle = SignInThrottle(MemoryStore(), per_address=2, per_ip=3)
    assert await throttle.admit("ada@example.org", "10.0.0.1") is None
    assert await throttle.admit("ada@example.org", "10.0.0.2") is None
    wait = await throttle.admit("ada@example.org", "10.0.0.3")
    assert wait is not None and 0 < wait <= 15 * 60
    assert await throttle.admit("bob@example.org", "10.0.0.1") is None
    assert await throttle.admit("eve@example.org", "10.0.0.1") is None
    assert await throttle.admit("zoe@example.org", "10.0.0.1") is not None  # the IP's fourth
    assert await throttle.admit("zoe@example.org", "10.0.0.9") is None  # a refused one is not counted


async def test_the_throttle_forgets_a_window_once_it_is_over() -> None:
    throttle = SignInThrottle(MemoryStore(), per_address=1, per_ip=10, window_seconds=1)
    assert await throttle.admit("ada@example.org", "10.0.0.1") is None
    assert await throttle.admit("ada@example.org", "10.0.0.1") == 1
    # Age the window instead of sleeping: what the store holds is (count, window end).
    key = "address:" + hashlib.sha256(b"ada@example.org").hexdigest()
    await throttle.store.set(key, msgspec.msgpack.encode((1, 0.0)))
    assert await throttle.admit("ada@example.org", "10.0.0.1") is None
