"""An org's learning record store: the checks on what an admin may set."""

from __future__ import annotations

from urllib.parse import urlsplit

from peerlearn.errors import Invalid


def check_lrs(endpoint: str, username: str, password: str) -> str:
    """The endpoint without a trailing slash, when all three are usable; :class:`Invalid` saying
    what is wrong otherwise."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("endpoint: an http(s) URL of the LRS's xAPI base, e.g. https://lrs.example.org/xAPI")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise Invalid("endpoint: no credentials, query or fragment in the URL (send username and password)")
    if not username.strip() or not password:
        raise Invalid("username and password: both required (HTTP Basic)")
    return endpoint.rstrip("/")
