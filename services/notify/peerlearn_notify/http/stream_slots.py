"""How many notification streams each person holds open in this process (a cap per person)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from peerlearn.errors import TooMany


class StreamSlots:
    """At most ``per_person`` open streams per person; past it, :class:`TooMany`."""

    def __init__(self, per_person: int) -> None:
        self.per_person = per_person
        self.open: Counter[str] = Counter()

    def take(self, person_id: str) -> None:
        """Hold one slot of ``person_id`` (release it with :meth:`give_back`)."""
        if self.open[person_id] >= self.per_person:
            raise TooMany(f"at most {self.per_person} notification streams per person", retry_after=30)
        self.open[person_id] += 1

    def give_back(self, person_id: str) -> None:
        """Release a slot taken by :meth:`take`."""
        self.open[person_id] -= 1
        if self.open[person_id] <= 0:
            del self.open[person_id]

    @contextmanager
    def held(self, person_id: str) -> Iterator[None]:
        """A slot for as long as the block runs (already taken)."""
        try:
            yield
        finally:
            self.give_back(person_id)
