"""The sign-in mail: one link per organisation the address belongs to, each naming the org; and
its delivery after the answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape

from peerlearn.mail import Mail, Mailer, MailError

log = logging.getLogger("peerlearn.profiles.sign_in")


@dataclass(frozen=True)
class OrgLink:
    org_name: str
    url: str


def sign_in_mail(to: str, links: list[OrgLink]) -> Mail:
    """The message with a link per org; the links work once, for 15 minutes."""
    several = len(links) > 1
    intro = (
        "This address belongs to people in several organisations on peerlearn. "
        "Choose the one you want to sign in to:"
        if several
        else f"Sign in to peerlearn as your {links[0].org_name} self:"
    )
    text_links = "\n".join(f"- {link.org_name}: {link.url}" for link in links)
    text = (
        f"{intro}\n\n{text_links}\n\n"
        "Each link works once, within 15 minutes. If you did not ask to sign in, ignore this mail:\n"
        "nothing happens until a link is opened.\n"
    )
    html_links = "".join(
        f'<li><a href="{escape(link.url)}">Sign in to {escape(link.org_name)}</a></li>' for link in links
    )
    html = (
        f"<p>{escape(intro)}</p><ul>{html_links}</ul>"
        "<p>Each link works once, within 15 minutes. If you did not ask to sign in, ignore this mail: "
        "nothing happens until a link is opened.</p>"
    )
    return Mail(to=to, subject="Your peerlearn sign-in link", text=text, html=html)


async def deliver_quietly(mailer: Mailer, mail: Mail) -> None:
    """Send after the answer went out: a failure is logged for operators, never shown to the
    caller (who must not learn from it that the address is known)."""
    try:
        await mailer.send(mail)
    except MailError as exc:
        log.error("sign-in mail not sent: %s", exc)
