"""`browse` finds what `lvzhi search` finds: synonyms and duties, not just words of the item names (issue 16, item 17)."""
from __future__ import annotations

import json

import pytest
from rich.console import Console

from lvzhi.cli.browse import answer
from lvzhi.search.engine import SearchEngine

from helpers import lvzhi


def _browse(dataset, query: str) -> str:
    console = Console(record=True, width=240)
    answer(dataset, query, console)
    return console.export_text()


@pytest.mark.parametrize("query", ["违建", "违法建设", "乱搭乱建"])
def test_browse_uses_the_search_with_synonyms(dataset, query):
    shown = _browse(dataset, query)
    assert "B75" in shown and "C74" in shown, shown[:400]
    found = [hit.item.code for hit in SearchEngine([dataset]).search(query).hits]
    assert all(code in shown for code in found), "browse lists what lvzhi search finds"


def test_browse_still_opens_codes_and_says_when_nothing_is_found(dataset):
    assert "城市房屋室内装饰装修安全管理工作" in _browse(dataset, "c74")
    assert "没有找到与“量子纠缠”相关的事项" in _browse(dataset, "量子纠缠")


def test_search_finds_c74_for_illegal_building(tmp_path):
    for query in ("违建", "违法建设"):
        result = lvzhi(str(tmp_path / "lvzhi.db"), "search", query, "--format", "json")
        codes = [i["code"] for i in json.loads(result.stdout)["items"]]
        assert codes[:1] == ["B75"] and "C74" in codes, (query, codes)
