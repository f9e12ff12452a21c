"""The matcher's HTTP routes: one controller a resource, each in its own module."""

from __future__ import annotations

from litestar import Controller

from peerlearn.auth import authenticated


class SignedInController(Controller):
    """A controller of the matcher's whose every route needs a valid token."""

    tags = ["matcher"]
    guards = [authenticated]
