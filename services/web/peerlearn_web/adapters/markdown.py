"""Markdown as safe HTML: markdown-it-py renders, nh3 (Ammonia) keeps only harmless markup.

Raw HTML in the source is escaped by the renderer (``html=False``) and the result is
sanitised again, so neither a ``<script>`` nor a ``javascript:`` link ever reaches a page.
"""

from __future__ import annotations

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


def render(text: str) -> Markup:
    """``text`` (Markdown) as sanitised HTML that may be put into a page as it is."""
    html = _renderer.render(text or "")
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
