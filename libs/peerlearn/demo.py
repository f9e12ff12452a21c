"""What the demo loaders share: the services' URLs, the admin credential, and what to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
