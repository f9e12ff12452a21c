"""Tokens: valid, expired, tampered, wrong secret, the admin credential."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from peerlearn.auth import InvalidToken, Principal, TokenIssuer, TokenVerifier

SECRET = "s" * 40


def test_a_valid_token_names_the_person_org_and_roles() -> None:
    token = TokenIssuer(SECRET).issue("p1", "o1", ["learner", "mentor"]).token
    principal = TokenVerifier(SECRET).verify(token)
    assert (principal.person_id, principal.org_id, principal.roles) == ("p1", "o1", ("learner", "mentor"))
    assert not principal.platform_admin


def test_an_expired_token_is_refused() -> None:
    token = TokenIssuer(SECRET, ttl=timedelta(seconds=-5)).issue("p1", "o1", []).token
    with pytest.raises(InvalidToken, match="expired"):
        TokenVerifier(SECRET).verify(token)


def test_a_tampered_token_is_refused() -> None:
    token = TokenIssuer(SECRET).issue("p1", "o1", ["learner"]).token
    header, _payload, signature = token.split(".")
    forged = jwt.encode({"sub": "p2", "org": "o1", "iss": "peerlearn", "exp": 9999999999}, "other" * 10)
    with pytest.raises(InvalidToken, match="signature"):
        TokenVerifier(SECRET).verify(".".join([header, forged.split(".")[1], signature]))


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = TokenIssuer("x" * 40).issue("p1", "o1", []).token
    with pytest.raises(InvalidToken, match="signature"):
        TokenVerifier(SECRET).verify(token)


def test_an_unsigned_token_is_refused() -> None:
    token = jwt.encode(
        {"sub": "p1", "org": "o1", "iss": "peerlearn", "exp": 9999999999}, None, algorithm="none"
    )
    with pytest.raises(InvalidToken):
        TokenVerifier(SECRET).verify(token)


def test_garbage_is_malformed() -> None:
    with pytest.raises(InvalidToken, match="malformed"):
        TokenVerifier(SECRET).verify("not-a-token")


def test_the_admin_credential_is_the_platform_admin() -> None:
    principal = TokenVerifier(SECRET, admin_token="a" * 40).verify("a" * 40)
    assert principal.platform_admin and principal.is_org_admin("any-org")


def test_org_admin_is_scoped_to_their_org() -> None:
    admin = Principal(person_id="p", org_id="o1", roles=("org_admin",))
    learner = Principal(person_id="q", org_id="o1", roles=("learner",))
    assert admin.is_org_admin("o1") and not admin.is_org_admin("o2")
    assert not learner.is_org_admin("o1")


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        TokenIssuer("short")


def test_a_cached_token_still_expires() -> None:
    verifier = TokenVerifier(SECRET)
    token = TokenIssuer(SECRET, ttl=timedelta(seconds=1)).issue("p1", "o1", []).token
    assert verifier.verify(token).person_id == "p1"
    import time

    time.sleep(1.1)
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)
