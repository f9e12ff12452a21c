"""The webhook sender's own guarantees, on both engines with a real receiver: an https URL is
posted to the checked address with the URL's TLS name (the certificate is verified against the
host name, not the pinned address), and a sender killed mid-post neither loses nor repeats a
delivery once the lease runs out."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters import webhook_store
from peerlearn_notify.adapters.webhook_http import AddressGuard, Outcome, WebhookPoster
from peerlearn_notify.app import MIGRATIONS
from peerlearn_notify.usecases.notifying import Delivery
from peerlearn_notify.usecases.webhook_delivery import WebhookSender

from .webhook_receiver import Receiver, receiving

NOW = dt.datetime.now(dt.UTC)


@dataclass
class Certificates:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A self-signed certificate for the name ``localhost`` only (not for 127.0.0.1)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    return Certificates(server=server, client=client)


@pytest.fixture
def tls_receiver(certificates: Certificates) -> Iterator[Receiver]:
    with receiving(certificates.server) as started:
        yield started


async def test_https_is_pinned_to_the_checked_address_with_the_urls_tls_name(
    tls_receiver: Receiver, certificates: Certificates
) -> None:
    poster = WebhookPoster(AddressGuard(allow_private=True), 5.0, verify=certificates.client)
    port = tls_receiver.url.rsplit(":", 1)[1]
    outcome = await poster.post(f"https://localhost:{port}/tls", b"{}", {"X-Peerlearn-Delivery": "d-1"})
    assert outcome == Outcome(200, None)
    (got,) = tls_receiver.at("/tls")
    assert got.headers["host"] == f"localhost:{port}" and got.headers["x-peerlearn-delivery"] == "d-1"
    # The certificate is checked against the URL's name: a URL naming the address fails.
    refused = await poster.post(f"https://127.0.0.1:{port}/tls", b"{}", {})
    assert refused.status_code is None and refused.error and "certificate" in refused.error.lower()
    assert len(tls_receiver.at("/tls")) == 1


class Hanging:
    """Posts nowhere and never finishes: the sender is killed while it waits."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_sender_killed_mid_post_loses_and_repeats_nothing(database: Database) -> None:
    await database.migrate(MIGRATIONS)
    uow = UnitOfWork(database)
    delivery = Delivery(
        public_url="https://peerlearn.example", unsubscribe_url="", secret="s", immediate_mails_per_day=5
    )
    with receiving() as receiver:
        async with uow.writing() as tx:
            await webhook_store.add_webhook(
                tx.session,
                {
                    "id": "w-1",
                    "org_id": "org-a",
                    "url": f"{receiver.url}/crash",
                    "format": "slack",
                    "events": ["question_created"],
                    "created_at": NOW,
                    "consecutive_failures": 0,
                },
            )
            for n in range(3):
                await webhook_store.enqueue(
                    tx.session,
                    {
                        "id": f"d-{n}",
                        "webhook_id": "w-1",
                        "event": "question_created",
                        "event_key": f"created:t-{n}",
                        "body": f'{{"text":"{n}"}}',
                        "created_at": NOW,
                        "next_attempt_at": NOW,
                    },
                )
        hanging = Hanging()
        doomed = WebhookSender(uow, hanging, delivery, attempts=3, retry_seconds=1, failures_to_disable=5)
        killed = asyncio.create_task(doomed.send_due(NOW))
        await asyncio.wait_for(hanging.started.wait(), 10)
        killed.cancel()  # the kill: mid-post, the receiver got nothing
        with pytest.raises(asyncio.CancelledError):
            await killed
        poster = WebhookPoster(AddressGuard(allow_private=True), 5.0)
        restarted = WebhookSender(uow, poster, delivery, attempts=3, retry_seconds=1, failures_to_disable=5)
        assert await restarted.send_due(NOW) == 0  # leased by the killed sender
        later = NOW + webhook_store.LEASE + dt.timedelta(seconds=1)
        assert await restarted.send_due(later) == 3
        assert await restarted.send_due(later + dt.timedelta(hours=1)) == 0
        assert sorted(r.headers["x-peerlearn-delivery"] for r in receiver.at("/crash")) == [
            "d-0",
            "d-1",
            "d-2",
        ]
