"""peerlearn.mail against a real SMTP server (aiosmtpd), and the file drop on disk."""

from __future__ import annotations

import email
import email.policy
import stat
from pathlib import Path

import pytest

from peerlearn.mail import Mail, MailDrop, MailError, SmtpMailer, mailer_for
from peerlearn.testing.smtp import SmtpServer, start_smtp

MAIL = Mail(
    to="ada@example.org",
    subject="Your sign-in link",
    text="Open https://example.org/sign-in/abc",
    html='<p>Open <a href="https://example.org/sign-in/abc">this link</a></p>',
)


def _both_parts_arrived(server: SmtpServer) -> None:
    [received] = server.to("ada@example.org")
    assert received.message["Subject"] == "Your sign-in link"
    assert received.message["From"] == "peerlearn <mail@example.org>"
    assert received.part("plain").strip() == "Open https://example.org/sign-in/abc"
    assert 'href="https://example.org/sign-in/abc"' in received.part("html")


async def test_smtp_delivers_a_message_with_text_and_html(smtp_server: SmtpServer) -> None:
    await SmtpMailer(smtp_server.url, sender="peerlearn <mail@example.org>").send(MAIL)
    _both_parts_arrived(smtp_server)
    assert smtp_server.secure_sessions == 0


async def test_smtp_authenticates_with_the_url_credentials() -> None:
    with start_smtp(login=("mailer", "s3cret")) as server:
        await SmtpMailer(server.url, sender="peerlearn <mail@example.org>").send(MAIL)
        _both_parts_arrived(server)
        wrong = server.url.replace("s3cret", "wrong")
        with pytest.raises(MailError, match="could not send mail"):
            await SmtpMailer(wrong).send(MAIL)
        assert len(server.received) == 1


async def test_smtp_upgrades_with_starttls_when_offered(tmp_path: Path) -> None:
    with start_smtp(tmp_path, tls="starttls", login=("mailer", "s3cret")) as server:
        mailer = SmtpMailer(server.url, sender="peerlearn <mail@example.org>", tls_context=server.client_tls)
        await mailer.send(MAIL)
        _both_parts_arrived(server)
        assert server.secure_sessions == 1


async def test_smtps_speaks_tls_from_the_start(tmp_path: Path) -> None:
    with start_smtp(tmp_path, tls="implicit") as server:
        assert server.url.startswith("smtps://")
        mailer = SmtpMailer(server.url, sender="peerlearn <mail@example.org>", tls_context=server.client_tls)
        await mailer.send(MAIL)
        _both_parts_arrived(server)
        assert server.secure_sessions == 1


async def test_a_server_that_is_not_there_is_a_mail_error() -> None:
    with start_smtp() as server:
        url = server.url
    with pytest.raises(MailError, match="could not send mail via localhost"):
        await SmtpMailer(url, timeout=5).send(MAIL)


def test_a_url_that_is_not_smtp_is_refused() -> None:
    with pytest.raises(MailError, match="smtp://host"):
        SmtpMailer("http://localhost:25")
    assert "s3cret" not in repr(SmtpMailer("smtp://u:s3cret@localhost:25"))


async def test_without_smtp_each_message_is_an_owner_only_eml_file(tmp_path: Path) -> None:
    mailer = mailer_for("", tmp_path, "peerlearn <mail@example.org>")
    assert isinstance(mailer, MailDrop)
    await mailer.send(MAIL)
    await mailer.send(Mail(to="bob@example.org", subject="Second", text="two", html="<p>two</p>"))
    directory = tmp_path / "mail"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = sorted(directory.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temporary file left behind
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    first = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert first["To"] == "ada@example.org"
    assert first.get_body(preferencelist=("plain",)).get_content().strip() == MAIL.text  # type: ignore[union-attr]
    assert "this link" in first.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]


async def test_a_mail_drop_that_cannot_write_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "mail"
    blocker.write_text("a file where the directory should be")
    with pytest.raises(MailError, match="could not write mail"):
        await MailDrop(blocker).send(MAIL)
