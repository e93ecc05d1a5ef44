"""The knowledge check (scripts/knowledge_check.py): each phrasing is resolved by a resolver built without it, so a
phrasing that only finds its item because it is indexed shows up as lost, with the item it went to."""
from __future__ import annotations

from dataclasses import replace

import pytest

from lvzhi.knowledge import knowledge_for
from lvzhi.resolve import Resolver
from lvzhi.resolve.knowledge_check import check, placed, probes, summary, without_fold

ODD = "蓝鲸跳舞表演"  # a situation no item's text or knowledge mentions


@pytest.fixture(scope="module")
def rules(dataset):
    return knowledge_for(dataset)


def _with(rules, **lists):
    """The knowledge with these items' residents' phrasings replaced (and their other lists emptied)."""
    items = dict(rules.items)
    for code, said in lists.items():
        items[code] = replace(items[code], residents=tuple(said), tasks=(), words=())
    return replace(rules, items=items)


def test_leaving_a_phrasing_out_sends_it_to_the_item_that_shares_its_words(dataset, rules):
    knowledge = _with(rules, B1=[ODD], C57=["菜市场卖病死猪肉", ODD + "看不成"])  # fold 0 leaves out C57's first
    assert Resolver(dataset, knowledge).resolve(ODD).item.code == "B1"  # in the index, it finds its item
    [inside] = [o for o in check(dataset, knowledge, ("residents",), ["B1"], leave_out=False) if o.probe.text == ODD]
    assert inside.first == "B1" and inside.own
    [outcome] = [o for o in check(dataset, knowledge, fields=("residents",), codes=["B1"]) if o.probe.text == ODD]
    assert outcome.first == "C57" and not outcome.own and not outcome.verdict_right
    report = summary([outcome], dataset)
    assert report["confusions"] == [{"item": "B1", "went_to": "C57", "phrasings": 1}]
    assert report["overall"]["all"]["own_at_1"] == 0.0


def test_a_phrasing_whose_words_its_item_keeps_elsewhere_is_found_without_itself(dataset, rules):
    knowledge = _with(rules, B1=[ODD, ODD + "好久开始"])
    outcomes = check(dataset, knowledge, fields=("residents",), codes=["B1"])
    assert [(o.probe.text, o.first, o.own) for o in outcomes] == [(ODD, "B1", True), (ODD + "好久开始", "B1", True)]


def test_a_fold_leaves_out_one_phrasing_of_every_item_and_its_copies(rules):
    knowledge = _with(rules, B1=["甲乙", "丙丁"], B2=["戊己"])
    items = dict(knowledge.items)
    items["B1"] = replace(items["B1"], words=("甲乙",))
    knowledge = replace(knowledge, items=items)
    first = without_fold(knowledge, 0, ("residents",))
    assert first.items["B1"].residents == ("丙丁",) and first.items["B1"].words == ()
    assert first.items["B2"].residents == ()
    second = without_fold(knowledge, 1, ("residents",))
    assert second.items["B1"].residents == ("甲乙",) and second.items["B2"].residents == ("戊己",)
    assert [p.text for p in probes(knowledge, ("residents",)) if p.code in ("B1", "B2")] == ["甲乙", "丙丁", "戊己"]


def test_a_place_limited_item_is_checked_at_its_place(rules):
    assert list(placed(rules, "R136").values()) == [True]  # 是否发生在乡道或村道上？
    assert placed(rules, "B1") == {}
