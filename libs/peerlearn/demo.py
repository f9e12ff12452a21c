"""What the demo loaders share: the services' URLs, the admin credential, and what to print."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO


@dataclass
class DemoContext:
    """Passed from one service's demo loader to the next (profiles → forum → matcher).

    Loaders talk to the services through their public HTTP APIs only, and leave in
    ``people`` / ``tokens`` / ``extra`` what later loaders need.
    """

    urls: dict[str, str]
    admin_token: str
    tokens: dict[str, str] = field(default_factory=dict)  # label -> bearer token to try
    people: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)

    def print_summary(self) -> None:
        print("demo data loaded:")
        for line in self.summary:
            print("  " + line)
        if self.tokens:
            print("tokens to try (Authorization: Bearer <token>):")
            for label, token in self.tokens.items():
                print(f"  {label}: {token}")


class Progress:
    """How far a long demo step is, as lines (``demo: forum posts 120/913 (13%)``) at most every
    ``every`` seconds and once at the end: readable in a terminal and in a log file alike."""

    def __init__(self, what: str, total: int, *, every: float = 3.0, out: TextIO | None = None) -> None:
        self.what, self.total, self.every = what, total, every
        self.out = out or sys.stdout
        self.done = 0
        self._said = time.monotonic()

    def advance(self, count: int = 1) -> None:
        """``count`` more done; says so when ``every`` seconds have passed, or at the end."""
        self.done += count
        now = time.monotonic()
        if self.done >= self.total or now - self._said >= self.every:
            self._said = now
            share = self.done / self.total if self.total else 1.0
            print(f"demo: {self.what} {self.done}/{self.total} ({share:.0%})", file=self.out, flush=True)
