"""The forum's HTTP controllers: thin — parse, call the use case, return a Struct."""

from __future__ import annotations

from peerlearn_forum.routes.moderation import ModerationController
from peerlearn_forum.routes.people import PeopleController
from peerlearn_forum.routes.posts import PostController
from peerlearn_forum.routes.search import SearchController
from peerlearn_forum.routes.spaces import SpaceController
from peerlearn_forum.routes.threads import ThreadController

CONTROLLERS = [
    SpaceController,
    ThreadController,
    PostController,
    ModerationController,
    SearchController,
    PeopleController,
]
