"""A real sentence-transformers encoder, loaded once per test session (the packaged MiniLM, offline)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from peerlearn_matcher.embeddings import Encoder


@pytest.fixture(scope="session")
def encoder() -> Iterator[Encoder]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    real = Encoder()
    yield real
    real.close()
