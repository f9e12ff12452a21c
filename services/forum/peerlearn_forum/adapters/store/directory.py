"""The forum's copy of profiles' directory: the library's store on the forum's tables."""

from __future__ import annotations

from peerlearn.directory.store import DirectoryStore
from peerlearn_forum.adapters.store.tables import directory

DIRECTORY = DirectoryStore(directory)
