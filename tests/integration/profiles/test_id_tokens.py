"""The ID-token checker against a real HTTP provider whose keys the test rotates: keys are cached,
a token signed with a new key makes one fresh fetch, and forged tokens cannot make it fetch on
every request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from peerlearn.errors import Invalid
from peerlearn_profiles.adapters.id_tokens import IdTokenChecker, ProviderUnavailable


class Provider:
    """Discovery and JWKS over HTTP; ``keys`` is what it publishes now; ``fetches`` counts JWKS reads."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "one"})]
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body: Any = {"issuer": provider.issuer, "jwks_uri": f"{provider.issuer}/jwks"}
                elif self.path == "/jwks":
                    provider.fetches += 1
                    body = KeySet(provider.keys).as_dict(private=False)
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def token(self, key: RSAKey, *, nonce: str = "n-12345678", **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": "web",
            "sub": "ada",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
        }
        return jwt.encode({"alg": "RS256", "kid": key.kid}, {**payload, **claims}, key)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider() -> Iterator[Provider]:
    served = Provider()
    try:
        yield served
    finally:
        served.stop()


async def _verify(checker: IdTokenChecker, provider: Provider, token: str) -> Any:
    return await checker.verify(token, issuer=provider.issuer, client_id="web", nonce="n-12345678")


async def test_keys_are_cached_and_a_rotated_key_is_fetched_once(provider: Provider) -> None:
    checker = IdTokenChecker()
    try:
        assert (await _verify(checker, provider, provider.token(provider.keys[0])))["sub"] == "ada"
        await _verify(checker, provider, provider.token(provider.keys[0]))
        assert provider.fetches == 1
        rotated = RSAKey.generate_key(2048, parameters={"kid": "two"})
        provider.keys = [rotated]
        assert (await _verify(checker, provider, provider.token(rotated)))["sub"] == "ada"
        assert provider.fetches == 2
    finally:
        await checker.close()


async def test_forged_tokens_refetch_at_most_once_in_a_while(provider: Provider) -> None:
    checker = IdTokenChecker()
    try:
        await _verify(checker, provider, provider.token(provider.keys[0]))
        forger = RSAKey.generate_key(2048, parameters={"kid": "one"})
        for _ in range(5):
            with pytest.raises(Invalid, match="signature does not match"):
                await _verify(checker, provider, provider.token(forger))
        unknown = RSAKey.generate_key(2048, parameters={"kid": "nobody"})
        with pytest.raises(Invalid, match="key the provider does not publish"):
            await _verify(checker, provider, provider.token(unknown))
        assert provider.fetches == 2  # the first forgery fetched once more; none after within 5 s
    finally:
        await checker.close()


async def test_claims_are_checked(provider: Provider) -> None:
    checker = IdTokenChecker()
    key = provider.keys[0]
    try:
        with pytest.raises(Invalid, match="lacks the 'nonce' claim"):
            await _verify(checker, provider, provider.token(key, nonce=None))
        with pytest.raises(Invalid, match="has expired"):
            await _verify(checker, provider, provider.token(key, exp=int(time.time()) - 120))
        with pytest.raises(Invalid, match="not for this organisation's 'web'"):
            await _verify(checker, provider, provider.token(key, aud="other"))
        with pytest.raises(Invalid, match=r"issued by 'https://elsewhere\.example'"):
            await _verify(checker, provider, provider.token(key, iss="https://elsewhere.example"))
    finally:
        await checker.close()


async def test_a_provider_that_is_down_is_a_502_not_the_callers_fault(provider: Provider) -> None:
    issuer = provider.issuer
    provider.stop()
    checker = IdTokenChecker()
    try:
        with pytest.raises(ProviderUnavailable) as refused:
            await checker.verify("a.b.c", issuer=issuer, client_id="web", nonce="n-12345678")
        assert refused.value.status_code == 502
        assert f"could not read the keys of the provider at {issuer}" in refused.value.detail
    finally:
        await checker.close()
