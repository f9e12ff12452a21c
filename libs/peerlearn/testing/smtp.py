"""A real SMTP server for tests (aiosmtpd in a thread) that keeps every message it receives.

``smtp_server`` (fixture) is a plain server on a free port; :func:`start_smtp` starts others
for module-scoped fixtures or for STARTTLS, implicit TLS and AUTH (a self-signed certificate
made for the test; :attr:`SmtpServer.client_tls` trusts it).
"""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import ssl
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from peerlearn.runner import free_port

# The plain test server takes AUTH without TLS on purpose (loopback only).
warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed MIME message."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    # The client's address and port: mails sent over one connection share it.
    peer: Any = None

    def part(self, subtype: str) -> str:
        """The text of the ``text/<subtype>`` part."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"the message has no text/{subtype} part"
        return str(body.get_content())


@dataclass
class SmtpServer:
    """A running test SMTP server: its URL (for ``PEERLEARN_SMTP_URL``) and what it received.
    It refuses recipients at ``refused.invalid`` (550), as a server refuses an unknown mailbox."""

    url: str
    received: list[Received] = field(default_factory=list)
    client_tls: ssl.SSLContext | None = None
    secure_sessions: int = 0
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def add(self, item: Received, secure: bool) -> None:
        with self._arrived:
            self.received.append(item)
            self.secure_sessions += int(secure)
            self._arrived.notify_all()

    def to(self, address: str) -> list[Received]:
        """Messages whose envelope names ``address``."""
        return [r for r in self.received if address.casefold() in (a.casefold() for a in r.recipients)]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """The first ``count`` messages to ``address``; fails when they do not come in ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.to(address)) < count:
            if loop.time() > deadline:
                raise AssertionError(
                    f"no {count} message(s) to {address} within {timeout} s: {self.received}"
                )
            await asyncio.sleep(0.02)
        return self.to(address)[:count]


class _Collect:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, smtp: SMTP, session: Any, envelope: Any, address: str, options: Any) -> str:
        # A mailbox that does not exist, as a real server answers it: tests of refusals use it.
        if address.casefold().endswith("@refused.invalid"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        # STARTTLS sets session.ssl; implicit TLS shows only on the transport.
        transport = smtp.transport
        secure = session.ssl is not None or (
            transport is not None and transport.get_extra_info("ssl_object") is not None
        )
        self.server.add(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, session.peer), secure)
        return "250 OK"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@contextmanager
def start_smtp(
    directory: Path | None = None,
    *,
    tls: str = "none",
    login: tuple[str, str] | None = None,
) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1. ``tls``: "none", "starttls" (offered) or "implicit" (smtps);
    the TLS modes need ``directory`` for the certificate. ``login`` requires AUTH with that pair."""
    port = free_port()
    userinfo = f"{login[0]}:{login[1]}@" if login else ""
    scheme = "smtps" if tls == "implicit" else "smtp"
    server = SmtpServer(url=f"{scheme}://{userinfo}localhost:{port}")
    kwargs: dict[str, Any] = {}
    if tls != "none":
        assert directory is not None, "a TLS server needs a directory for its certificate"
        cert, key = _self_signed(directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        server.client_tls = ssl.create_default_context(cafile=str(cert))
        kwargs["ssl_context" if tls == "implicit" else "tls_context"] = context
    if login is not None:

        def authenticate(
            _server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == login
            return AuthResult(success=ok, handled=False)

        # On a plain server AUTH must be allowed without TLS (a test server only).
        kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls != "none")
    controller = Controller(_Collect(server), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server for this test, collecting messages (``server.received``)."""
    with start_smtp() as server:
        yield server
