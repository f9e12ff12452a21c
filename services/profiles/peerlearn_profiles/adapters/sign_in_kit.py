"""The parts sign-in needs, made once per app from settings: mail, token issuer, ID-token checker,
code exchanger, secret sealer and the request throttle. Nothing here does I/O until it is used."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from litestar.stores.base import Store

from peerlearn.auth import TokenIssuer
from peerlearn.mail import Mailer, mailer_for
from peerlearn_profiles.adapters.code_exchange import CodeExchanger
from peerlearn_profiles.adapters.id_tokens import IdTokenChecker
from peerlearn_profiles.adapters.sign_in_throttle import SignInThrottle
from peerlearn_profiles.adapters.sso_secrets import SecretSealer
from peerlearn_profiles.settings import ProfilesSettings


class SignInKit:
    """One per app (``app.state.sign_in``)."""

    def __init__(
        self,
        settings: ProfilesSettings,
        store: Store,
        *,
        mailer: Mailer | None = None,
        checker: IdTokenChecker | None = None,
    ) -> None:
        self.settings = settings
        self.public_url = settings.public_url
        self.mailer = mailer or mailer_for(settings.smtp_url, settings.data_dir, settings.mail_from)
        self.checker = checker or IdTokenChecker()
        self.exchanger = CodeExchanger(self.checker.http)  # one pool for every call to providers
        self.throttle = SignInThrottle(
            store, per_address=settings.sign_in_mails_per_address, per_ip=settings.sign_in_mails_per_ip
        )

    @cached_property
    def issuer(self) -> TokenIssuer:
        # Made on first use: the JWT secret is checked (≥ 32 characters) when a token is issued.
        return TokenIssuer(self.settings.jwt_secret, ttl=timedelta(seconds=self.settings.jwt_ttl_seconds))

    @cached_property
    def sealer(self) -> SecretSealer:
        return SecretSealer(self.settings.jwt_secret)

    async def close(self) -> None:
        await self.checker.close()
