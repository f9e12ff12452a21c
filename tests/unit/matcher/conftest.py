"""The matcher's unit tests use the real encoder (defined once in tests/matcher_fixtures.py)."""

from tests.matcher_fixtures import encoder

__all__ = ["encoder"]
