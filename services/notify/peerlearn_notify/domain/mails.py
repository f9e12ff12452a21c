"""The words of the mails notify sends: one notification, or a digest grouped by kind and cut
at 20 items ("and 14 more")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

DIGEST_ITEMS = 20

HEADINGS = {
    "question_routed": "Questions you may know the answer to",
    "answer_posted": "Answers to your questions",
    "thread_activity": "Activity in threads you answered",
    "answer_accepted": "Your accepted answers",
    "new_suggestion": "New suggestions for you",
    "cohort_joined": "Cohorts you joined",
    "mentorship_requested": "Mentorship requests",
    "mentorship_accepted": "Mentorships accepted",
    "mentorship_declined": "Mentorship requests declined",
    "mentorship_expired": "Mentorship requests expired",
    "mentorship_update": "Your mentorships",
}


@dataclass(frozen=True)
class Item:
    """One notification as a mail shows it."""

    kind: str
    title: str
    link: str
    # "Not my area" for a routed question: a page with a confirm button ("" for other kinds).
    dismiss_link: str = ""


@dataclass(frozen=True)
class Details:
    """What an immediate mail says beyond its title (the introduction of a mentorship, say)."""

    text: str
    html: str


@dataclass(frozen=True)
class Body:
    """A mail's subject and its two parts."""

    subject: str
    text: str
    html: str


def _footer(settings_url: str, unsubscribe_url: str) -> tuple[str, str]:
    text = f"\n--\nYour notification settings: {settings_url}\nUnsubscribe: {unsubscribe_url}\n"
    html = (
        f'<hr><p><a href="{escape(settings_url)}">Your notification settings</a> · '
        f'<a href="{escape(unsubscribe_url)}">Unsubscribe</a></p>'
    )
    return text, html


def single(item: Item, settings_url: str, unsubscribe_url: str, details: Details | None = None) -> Body:
    """The immediate mail of one notification (``details`` between its link and the footer)."""
    foot_text, foot_html = _footer(settings_url, unsubscribe_url)
    dismiss_text = dismiss_html = ""
    if item.dismiss_link:
        dismiss_text = (
            f"\nNot your area? Tell us, and fewer questions like it come to you: {item.dismiss_link}\n"
        )
        dismiss_html = f'<p><a href="{escape(item.dismiss_link)}">Not my area</a></p>'
    more_text, more_html = (f"\n{details.text}", details.html) if details else ("", "")
    return Body(
        subject=item.title,
        text=f"{item.title}\n\n{item.link}\n{more_text}{dismiss_text}{foot_text}",
        html=(
            f'<p><a href="{escape(item.link)}">{escape(item.title)}</a></p>'
            f"{more_html}{dismiss_html}{foot_html}"
        ),
    )


def digest(period: str, items: Sequence[Item], settings_url: str, unsubscribe_url: str) -> Body:
    """A digest of ``items`` (newest first expected): grouped by kind, at most 20 shown."""
    shown, hidden = list(items[:DIGEST_ITEMS]), len(items) - DIGEST_ITEMS
    groups: dict[str, list[Item]] = {}
    for item in shown:
        groups.setdefault(item.kind, []).append(item)
    word = "weekly" if period.startswith("weekly") else "daily"
    subject = f"Your {word} peerlearn digest: {len(items)} new"
    text_lines, html_parts = [subject, ""], [f"<h1>{escape(subject)}</h1>"]
    for kind, members in groups.items():
        heading = HEADINGS.get(kind, kind)
        text_lines += [heading, *(f"- {m.title} {m.link}" for m in members), ""]
        links = "".join(f'<li><a href="{escape(m.link)}">{escape(m.title)}</a></li>' for m in members)
        html_parts.append(f"<h2>{escape(heading)}</h2><ul>{links}</ul>")
    if hidden > 0:
        text_lines.append(f"and {hidden} more")
        html_parts.append(f"<p>and {hidden} more</p>")
    foot_text, foot_html = _footer(settings_url, unsubscribe_url)
    return Body(subject=subject, text="\n".join(text_lines) + foot_text, html="".join(html_parts) + foot_html)
