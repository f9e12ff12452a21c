"""The read cache's bounds: least recently used out beyond its entries or its bytes; a value kept
for an older version than the newest seen is never kept; the shared pages have a budget of their own."""

from __future__ import annotations

from peerlearn.read_cache import ContentVersion, ReadCache
from peerlearn.store import Database


def _cache(**bounds: int) -> ReadCache:
    # Version 0 is the newest seen until ``current()`` reads one; these tests never read.
    return ReadCache(ContentVersion(Database("sqlite+aiosqlite:///:memory:")), **bounds)


def test_least_recently_used_go_first_beyond_the_bytes() -> None:
    cache = _cache(max_bytes=10)
    cache.put("a", 0, b"12345")
    cache.put("b", 0, b"12345")
    assert cache.get("a", 0) == b"12345"  # now "b" is the least recently used
    cache.put("c", 0, b"12")
    assert cache.get("b", 0) is None
    assert cache.get("a", 0) == b"12345" and cache.get("c", 0) == b"12"
    cache.put("a", 0, b"1")  # replacing a value counts its new size only
    cache.put("d", 0, b"12345678")
    assert cache.get("c", 0) is None and cache.get("a", 0) == b"1" and cache.get("d", 0) == b"12345678"


def test_beyond_the_entries_and_never_for_another_version() -> None:
    cache = _cache(max_entries=2)
    for key in "abc":
        cache.put(key, 0, b"x")
    assert cache.get("a", 0) is None and cache.get("c", 0) == b"x"
    cache.put("old", 7, b"x")  # 7 is not the newest version seen
    assert cache.get("old", 7) is None and cache.get("old", 0) is None


def test_shared_pages_keep_their_budget_whatever_the_readers_own_pages_take() -> None:
    cache = _cache(max_entries=2, shared_entries=2)
    cache.put("front page", 0, b"x", shared=True)
    for reader in range(50):  # a crowd of signed-in readers, a body each
        cache.put(("reader", reader), 0, b"y")
    assert cache.get("front page", 0, shared=True) == b"x"
    assert cache.get(("reader", 49), 0) == b"y" and cache.get(("reader", 0), 0) is None
    # The two are apart: a key kept for one reader is not served as a shared page, nor back.
    assert cache.get("front page", 0) is None and cache.get(("reader", 49), 0, shared=True) is None
    for page in ("b", "c"):
        cache.put(page, 0, b"z", shared=True)
    assert cache.get("front page", 0, shared=True) is None  # its own budget is bounded too
