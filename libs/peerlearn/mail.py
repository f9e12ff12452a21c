"""Outgoing mail: SMTP when ``PEERLEARN_SMTP_URL`` is set, else one ``.eml`` file per message.

A :class:`Mail` has a plain-text and an HTML part. :func:`mailer_for` picks the adapter from
settings: :class:`SmtpMailer` (``smtp://user:pass@host:port`` upgrades with STARTTLS when the
server offers it, ``smtps://`` speaks TLS from the first byte) or :class:`MailDrop` (files
under ``<data dir>/mail/``, owner-only, written atomically, so a developer without a mail
server reads what would have been sent). Both are ``Mailer`` s: ``await mailer.send(mail)``.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

DEFAULT_FROM = "peerlearn <no-reply@peerlearn.localhost>"


class MailError(RuntimeError):
    """A message could not be handed over (server refused it, unreachable, bad settings)."""


@dataclass(frozen=True)
class Mail:
    """One message to one address, in plain text and HTML."""

    to: str
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    """Anything that can send a :class:`Mail`."""

    async def send(self, mail: Mail) -> None:
        """Hand the message over for delivery; raise :class:`MailError` when that fails."""
        ...


def compose(mail: Mail, sender: str) -> EmailMessage:
    """The MIME message: text/plain first, text/html as the richer alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">") or None)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


class SmtpMailer:
    """Sends through an SMTP server given as ``smtp://[user:pass@]host[:port]`` or ``smtps://…``."""

    def __init__(
        self,
        url: str,
        *,
        sender: str = DEFAULT_FROM,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailError(f"PEERLEARN_SMTP_URL: {parts.scheme}://… is not smtp://host[:port] or smtps://")
        self.host = parts.hostname
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout
        # None: the system's trust store (SSL_CERT_FILE honoured); tests pass their own CA.
        self.tls_context = tls_context

    def __repr__(self) -> str:  # never the password
        return f"SmtpMailer({'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port})"

    def client(self) -> aiosmtplib.SMTP:
        """An SMTP client for this server, not connected yet (``connect()`` also logs in when a
        user is given)."""
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            # None: STARTTLS when the server offers it; plain only if it does not.
            start_tls=False if self.implicit_tls else None,
            timeout=self.timeout,
            tls_context=self.tls_context,
        )

    def failure(self, exc: Exception) -> MailError:
        """The error a refusal or a lost connection is raised as (naming the server, never the login)."""
        return MailError(f"could not send mail via {self.host}:{self.port}: {exc}")

    async def send(self, mail: Mail) -> None:
        """Connect, authenticate when a user is given, send, quit."""
        try:
            async with self.client() as client:
                await client.send_message(compose(mail, self.sender))
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self.failure(exc) from exc


class MailDrop:
    """Writes each message as ``<directory>/<time>-<random>.eml`` (dir 0700, files 0600)."""

    def __init__(self, directory: Path | str, *, sender: str = DEFAULT_FROM) -> None:
        self.directory = Path(directory)
        self.sender = sender

    def __repr__(self) -> str:
        return f"MailDrop({self.directory})"

    async def send(self, mail: Mail) -> None:
        """Write the message under a temporary name and rename it: readers never see half a file."""
        data = bytes(compose(mail, self.sender))
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
            # mkstemp creates the file 0600 and with a name nobody else holds.
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            final = self.directory / f"{time.time_ns()}-{Path(temporary).stem.lstrip('.')}.eml"
            os.replace(temporary, final)
        except OSError as exc:
            raise MailError(f"could not write mail into {self.directory}: {exc}") from exc


def mailer_for(smtp_url: str, data_dir: Path | str, sender: str = "") -> Mailer:
    """SMTP when ``smtp_url`` is set, else a mail drop in ``<data_dir>/mail``."""
    sender = sender or DEFAULT_FROM
    if smtp_url:
        return SmtpMailer(smtp_url, sender=sender)
    return MailDrop(Path(data_dir) / "mail", sender=sender)
