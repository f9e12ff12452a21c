"""Every controller the forum serves."""

from __future__ import annotations

from peerlearn_forum.http.moderation import ModerationController
from peerlearn_forum.http.people import PeopleController
from peerlearn_forum.http.posts import PostController
from peerlearn_forum.http.search import SearchController
from peerlearn_forum.http.spaces import SpaceController
from peerlearn_forum.http.threads import ThreadController

CONTROLLERS = [
    SpaceController,
    ThreadController,
    PostController,
    ModerationController,
    SearchController,
    PeopleController,
]
