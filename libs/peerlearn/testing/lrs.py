"""A real learning record store for tests: Ralph (:mod:`peerlearn.embedded_lrs`) in a temporary
home on a free port.

``PEERLEARN_TEST_RALPH`` may name the ``ralph`` executable; else ``.venv-lrs/bin/ralph``
(``make lrs``; ``make test`` makes it). Without Ralph the tests that need it skip, naming it;
under ``CI=true`` they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerlearn.embedded_lrs import LrsUser, RalphLrs, ralph_binary
from peerlearn.runner import free_port
from peerlearn.testing.servers import unavailable

__all__ = ["LRS_USERS", "LrsUser", "RalphLrs", "ralph_lrs", "start_ralph"]


def start_ralph() -> RalphLrs:
    """A Ralph LRS with no users yet (the caller adds them, and stops it)."""
    binary = ralph_binary(variable="PEERLEARN_TEST_RALPH")
    if binary is None:
        unavailable("the Ralph LRS (.venv-lrs/bin/ralph: make lrs)")
    assert binary is not None
    home = Path(tempfile.mkdtemp(prefix="peerlearn-ralph-"))
    return RalphLrs(binary=binary, home=home, port=free_port())


# The users of :func:`ralph_lrs`: one on the default store, two with stores of their own.
LRS_USERS = {"platform": None, "org-a": "org-a", "org-b": "org-b"}


@pytest.fixture(scope="module")
def ralph_lrs() -> Iterator[RalphLrs]:
    """A started Ralph LRS for a test module with the users of :data:`LRS_USERS` (each with a
    password of its own, each ``target`` a separate statement store: one LRS per org)."""
    lrs = start_ralph()
    try:
        for username, target in LRS_USERS.items():
            lrs.add_user(username, f"pw-{username}-{os.urandom(6).hex()}", target=target)
        yield lrs.start()
    finally:
        lrs.stop()
        shutil.rmtree(lrs.home, ignore_errors=True)
