"""Handing one finished message to SMTP or to the ``.eml`` drop, with notify's own headers.

:mod:`peerlearn.mail` composes a :class:`~peerlearn.mail.Mail` without extra headers; notify's
mails need ``List-Unsubscribe``/``List-Unsubscribe-Post`` (RFC 8058) and a Message-ID fixed per
mail-outbox row, so these adapters take the whole :class:`~email.message.EmailMessage`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from peerlearn.mail import Mail, MailDrop, MailError, SmtpMailer, compose
from peerlearn_notify.adapters.mail_attachments import attach, split_attachments

Post = Callable[[EmailMessage], Awaitable[None]]


class Postman(Protocol):
    """Anything that hands a finished message over for delivery."""

    sender: str

    async def post(self, message: EmailMessage) -> None:
        """Hand ``message`` over; raise :class:`~peerlearn.mail.MailError` when that fails."""
        ...

    def batch(self) -> AbstractAsyncContextManager[Post]:
        """A ``post`` for several messages in a row (one SMTP connection for them all)."""
        ...


def message_of(postman: Postman, mail: Mail, *, headers: dict[str, str], message_id: str) -> EmailMessage:
    """The MIME message of ``mail`` with ``headers`` and a Message-ID that a resend keeps (files
    carried in ``headers``, see :mod:`peerlearn_notify.adapters.mail_attachments`, attached)."""
    message = compose(mail, postman.sender)
    del message["Message-ID"]
    message["Message-ID"] = message_id
    headers, files = split_attachments(headers)
    for name, value in headers.items():
        message[name] = value
    attach(message, files)
    return message


class SmtpPostman(SmtpMailer):
    """The library's SMTP settings (URL, STARTTLS/TLS, login), sending a finished message."""

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Post]:
        """Messages sent over one connection, logged in once: a connection per mail held the
        sender to about 18 mails/s, below the 25/s five routed questions a second ask for. A
        refusal or a lost connection fails that message only; the next one connects again."""
        client: aiosmtplib.SMTP | None = None

        async def post(message: EmailMessage) -> None:
            nonlocal client
            try:
                if client is None or not client.is_connected:
                    client = self.client()
                    await client.connect()
                await client.send_message(message)
            except (aiosmtplib.SMTPException, OSError) as exc:
                if client is not None:  # its state is unknown now: start afresh
                    client.close()
                    client = None
                raise self.failure(exc) from exc

        try:
            yield post
        finally:
            if client is not None and client.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await client.quit()

    async def post(self, message: EmailMessage) -> None:
        """Connect, authenticate when a user is given, send, quit."""
        async with self.batch() as post:
            await post(message)


class DropPostman(MailDrop):
    """The library's mail drop (``<data dir>/mail/*.eml``, 0600, atomic), for a finished message."""

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Post]:
        """Files need no connection: each message is posted on its own."""
        yield self.post

    async def post(self, message: EmailMessage) -> None:
        """Write the message under a temporary name and rename it."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(bytes(message))
                out.flush()
                os.fsync(out.fileno())
            final = self.directory / f"{time.time_ns()}-{Path(temporary).stem.lstrip('.')}.eml"
            os.replace(temporary, final)
        except OSError as exc:
            raise MailError(f"could not write mail into {self.directory}: {exc}") from exc


def postman_for(smtp_url: str, data_dir: Path | str, sender: str) -> Postman:
    """SMTP when ``smtp_url`` is set, else the drop in ``<data_dir>/mail``."""
    if smtp_url:
        return SmtpPostman(smtp_url, sender=sender)
    return DropPostman(Path(data_dir) / "mail", sender=sender)
