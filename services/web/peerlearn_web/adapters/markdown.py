"""Markdown as safe HTML: markdown-it-py renders, nh3 (Ammonia) keeps only harmless markup.

Raw HTML in the source is escaped by the renderer (``html=False``) and the result is
sanitised again, so neither a ``<script>`` nor a ``javascript:`` link ever reaches a page.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4",
    "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
# Headings from h3 down only: the page owns h1 and h2, so a post cannot break the outline.
_RENAME = {"h1": "h3", "h2": "h4"}

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


# A page shows the same posts to every reader: rendering and sanitising them each time was a
# sixth of a thread page's CPU (py-spy under bench/web.py). Bodies above the bound are rendered
# each time: typical posts keep the cache at a few megabytes; the worst case (1,024 bodies of
# 8,000 escape-heavy or non-ASCII characters, kept with their HTML) is some tens of megabytes.
_CACHED = 1024
_CACHED_LENGTH = 8_000


def render(text: str) -> Markup:
    """``text`` (Markdown) as sanitised HTML that may be put into a page as it is."""
    text = text or ""
    return _render_cached(text) if len(text) <= _CACHED_LENGTH else _render(text)


@lru_cache(maxsize=_CACHED)
def _render_cached(text: str) -> Markup:
    return _render(text)


def _render(text: str) -> Markup:
    html = _renderer.render(text)
    for old, new in _RENAME.items():
        html = html.replace(f"<{old}>", f"<{new}>").replace(f"</{old}>", f"</{new}>")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}, "code": {"class"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)
