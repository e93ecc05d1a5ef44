"""Search takes any input without failing: query syntax of other engines, emoji, very long text."""
from __future__ import annotations

import pytest

from lvzhi.search.engine import SearchEngine


@pytest.fixture(scope="module")
def engine(dataset) -> SearchEngine:
    return SearchEngine([dataset])


@pytest.mark.parametrize("query", [
    "'; DROP TABLE items; --", "低保 OR 1=1", 'title:"违建" AND NOT 托育*', "NEAR(低保 救助)", "😀🚧", "", "   ",
    "\x00\x1f", "低保" * 5000, "Ｌｏｗ　ｉｎｃｏｍｅ 低保", "%_\\",
])
def test_any_query_is_answered(engine, query):
    result = engine.search(query)
    assert result.total >= 0 and len(result.hits) <= 20
    assert sum(result.facets.get("list", {}).values()) == result.total


def test_query_syntax_is_read_as_words(engine):
    assert engine.search("低保 OR 1=1").hits[0].item.code == "B51"


def test_paging_and_one_character_queries(engine):
    first = engine.search("罚", limit=10)
    second = engine.search("罚", limit=10, offset=10)
    assert first.total == second.total > 100
    assert not {h.item.code for h in first.hits} & {h.item.code for h in second.hits}
    assert all("罚" in h.item.title for h in first.hits)
