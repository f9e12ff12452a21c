"""Forum text: tags, the safe HTML rendering of Markdown, excerpts and search words."""

from __future__ import annotations

import html
import re

_BLANK_LINES = re.compile(r"\n\s*\n")
_MARKUP = re.compile(r"[`*_#>\[\]()!~|-]+")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_tags(tags: list[str]) -> list[str]:
    """Lower-case tags without duplicates, in the order given."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(tag.strip().lower(), None)
    return list(seen)


def render_html(markdown: str) -> str:
    """A safe HTML rendering of Markdown text: everything escaped, paragraphs and line breaks kept.

    The forum stores Markdown as written; clients that render it themselves use ``body``.
    Nothing the author wrote can come back as markup, so ``<script>`` is always inert.
    """
    paragraphs = [p.strip() for p in _BLANK_LINES.split(markdown.replace("\r\n", "\n")) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def excerpt(markdown: str, length: int = 200) -> str:
    """Plain text of the first ``length`` characters, without Markdown punctuation (not escaped)."""
    text = _SPACE.sub(" ", _MARKUP.sub(" ", markdown)).strip()
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def search_terms(query: str, limit: int = 12) -> list[str]:
    """The words of a search query (engine syntax stripped), lower-cased, at most ``limit``."""
    return [w.lower() for w in _WORD.findall(query)][:limit]
