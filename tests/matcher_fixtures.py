"""The matcher's shared test fixture: one real sentence-transformers encoder per test session.

The packaged MiniLM, offline. Both the unit and the integration conftests of the matcher
import this fixture (the one definition), so a session that runs both loads the model once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from peerlearn_matcher.adapters.encoder import Encoder


@pytest.fixture(scope="session")
def encoder() -> Iterator[Encoder]:
    """The real packaged MiniLM, loaded once for the whole test session."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = Encoder()
    _ = model.dim
    yield model
    model.close()
