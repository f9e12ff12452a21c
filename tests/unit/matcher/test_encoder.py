"""The encoder: one torch thread where it encodes, and concurrent calls in one model call."""

from __future__ import annotations

import asyncio
import threading
import uuid

import numpy as np
import torch

from peerlearn_matcher.adapters.encoder import Encoder


def test_the_encoding_thread_runs_torch_on_the_encoders_thread_count(encoder: Encoder) -> None:
    seen: list[int] = []

    def encode_in_a_thread_of_its_own() -> None:
        torch.set_num_threads(2)  # torch's default on a 2-core machine: one per core
        encoder.encode([f"why is my query slow {uuid.uuid4().hex}"])
        seen.append(torch.get_num_threads())

    worker = threading.Thread(target=encode_in_a_thread_of_its_own)
    worker.start()
    worker.join()
    assert encoder.threads == 1
    assert seen == [1]


async def test_concurrent_calls_are_encoded_in_one_model_call(encoder: Encoder) -> None:
    texts = [f"question {n} about vacuum and indexes {uuid.uuid4().hex}" for n in range(8)]
    calls = encoder.model_calls
    vectors = await asyncio.gather(*(encoder.aencode([text]) for text in texts))
    assert encoder.model_calls - calls == 1
    alone = encoder.encode_raw(texts[:1])  # the same text on its own: the same vector
    assert np.allclose(vectors[0], alone, atol=1e-4)
    assert [v.shape for v in vectors] == [(1, encoder.dim)] * len(texts)
    stacked = np.concatenate(vectors)
    assert np.allclose(stacked, encoder.encode(texts), atol=1e-6)  # each got its own row, cached


async def test_a_call_with_several_texts_gets_its_own_rows_back_in_a_shared_batch(encoder: Encoder) -> None:
    a = [f"window functions {uuid.uuid4().hex}", f"join order {uuid.uuid4().hex}"]
    b = [f"watercolour painting {uuid.uuid4().hex}"]
    first, second, empty = await asyncio.gather(encoder.aencode(a), encoder.aencode(b), encoder.aencode([]))
    assert first.shape == (2, encoder.dim) and second.shape == (1, encoder.dim)
    assert empty.shape == (0, encoder.dim)
    assert np.allclose(np.concatenate([first, second]), encoder.encode([*a, *b]), atol=1e-6)


async def test_texts_already_cached_are_answered_while_the_worker_encodes_a_batch(encoder: Encoder) -> None:
    known = [f"a question warmed before its transaction {uuid.uuid4().hex}"]
    warmed = await encoder.aencode(known)
    burst = asyncio.create_task(encoder.aencode([f"a long burst {n} {uuid.uuid4().hex}" for n in range(200)]))
    await asyncio.sleep(0.05)  # the burst is in the worker now
    again = await encoder.aencode(known)
    assert not burst.done()  # not queued behind the burst (a handler holding the lock waits for nobody)
    assert np.array_equal(again, warmed)
    await burst
