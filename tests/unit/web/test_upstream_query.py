"""The web's upstream calls send query parameters as the services' Litestar reads them."""

from __future__ import annotations

from peerlearn_web.adapters.upstreams import _query


def test_empty_values_are_left_out_lists_repeat_and_booleans_are_words() -> None:
    pairs = _query(
        {"q": "sql joins", "limit": 20, "cursor": None, "tag": ["sql", "", "dbt"], "unread": True, "x": ""}
    )
    assert pairs == [("q", "sql joins"), ("limit", "20"), ("tag", "sql"), ("tag", "dbt"), ("unread", "true")]
    assert _query({"unread": False}) == [("unread", "false")]
    assert _query(None) == []
