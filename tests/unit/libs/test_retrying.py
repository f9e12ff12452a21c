"""A step run on a schedule: errors never stop it, and a wake starts the next step at once."""

from __future__ import annotations

import asyncio

from peerlearn.retrying import backoff_delay, run_every


def test_the_wait_doubles_up_to_its_cap() -> None:
    assert [backoff_delay(n, base=1, cap=5) for n in range(1, 6)] == [1, 2, 4, 5, 5]


async def test_a_failing_step_is_run_again_and_a_wake_does_not_wait_for_the_poll() -> None:
    runs: list[int] = []
    ran = asyncio.Event()
    wake = asyncio.Event()

    async def step() -> None:
        runs.append(len(runs))
        ran.set()
        if len(runs) == 1:
            raise RuntimeError("the first round fails")

    task = asyncio.create_task(run_every(3600, step, "test step", wake=wake))
    try:
        await asyncio.wait_for(ran.wait(), 10)
        ran.clear()
        wake.set()  # a poll of an hour: only the wake can bring the second round within the test
        await asyncio.wait_for(ran.wait(), 10)
        assert runs == [0, 1]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
