"""The dispute (退单) pre-check judges by the item that best covers the ticket, and never moves work a department
took back onto the town; placeholders such as 区级相关部门 and 区教委等 are not bodies (issue 16, items 3 and 16)."""
from __future__ import annotations

import pytest

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.dispatch.assess import assess_dispute
from lvzhi.dispatch.route import suggest
from lvzhi.model import Handler, Item
from lvzhi.registry import is_body
from lvzhi.resolve import Resolver

STALL = "珞璜镇中心街有人占道摆摊，堵住了人行道"
KTV_NOISE = "街边KTV音响开得太大，噪声扰民"


@pytest.fixture(scope="module")
def lists():
    dataset = bundled_dataset()
    return Resolver(dataset), dataset


def test_a_department_cannot_push_work_it_took_back_onto_the_town(lists):
    resolver, dataset = lists
    assert [c.item.code for c in resolver.resolve(STALL, top=3).candidates][:2] == ["R128", "B108"], \
        "the cited town item does match some words"
    check = assess_dispute(resolver, dataset, STALL, "区城市管理局", "B108", "珞璜镇")
    assert not check.supports and check.suggested_assignee == ""
    assert check.basis == "R128" and "R128" in check.advice and "B108" in check.advice
    assert "与诉求有关，但不是最符合的事项（候选中排第 2 位）" in check.advice
    assert "区城市管理局负责" in check.advice and "不支持退单" in check.advice
    assert "支持改派给珞璜镇" not in check.advice


def test_a_close_reclaimed_item_keeps_the_work_with_its_department_even_when_a_town_item_ranks_first(lists):
    resolver, dataset = lists
    # B108 (maintenance of municipal facilities) first, R128 (stalls, reclaimed by 城管) close behind
    text = "人行道被摆摊的占了，市政设施也坏了"
    candidates = resolver.resolve(text, top=3).candidates
    assert candidates[0].item.code != "R128" and "R128" in [c.item.code for c in candidates]
    check = assess_dispute(resolver, dataset, text, "区城市管理局", "B108", None)
    assert not check.supports and check.suggested_assignee == ""
    assert "R128" in check.advice and "B108" in check.advice and "不得交由珞璜镇承担" in check.advice


def test_a_valid_dispute_is_judged_by_what_covers_the_ticket_not_by_the_cited_item(lists):
    resolver, dataset = lists
    answer = resolver.resolve(KTV_NOISE)
    assert answer.item.code != "R140", "R140 is about admitting minors, not noise"
    check = assess_dispute(resolver, dataset, KTV_NOISE, "区文化旅游委", "R140", None)
    assert check.supports and check.suggested_assignee == "珞璜镇" and check.basis == answer.item.code
    assert "R140" in check.advice and "与诉求不符" in check.advice
    assert answer.item.code in check.advice and "不由区文化旅游委承办" in check.advice


def test_the_advice_says_why_in_either_direction(lists):
    resolver, dataset = lists
    road = "园区里珞城实业公司修的路坑坑洼洼，一直没人管"
    moved = assess_dispute(resolver, dataset, road, "珞璜镇", "R163", None)
    assert moved.supports and moved.suggested_assignee == "珞城实业公司（原珞璜建司）"
    assert "R163" in moved.advice and "正是最符合诉求的事项" in moved.advice
    r163 = dataset.by_code()["R163"].title
    assert moved.advice.count(r163) == 1 and f"「{r163}」正是最符合诉求的事项。该事项由" in moved.advice  # named once
    kept = assess_dispute(resolver, dataset, "我家生活困难，想申请低保，去哪里办", "珞璜镇", "R163", "江津综保区管委会")
    assert not kept.supports and "B51" in kept.advice and "R163" in kept.advice and "不符" in kept.advice
    unlisted = assess_dispute(resolver, dataset, "我想办理结婚登记，去哪里办", "珞璜镇", "B1", None)
    assert not unlisted.supports and "均未找到" in unlisted.advice and "派单员" in unlisted.advice
    nothing = assess_dispute(resolver, dataset, STALL, "区城市管理局", "X9", None)
    assert not nothing.supports and "不在珞璜镇的现行清单中" in nothing.advice and "R128" in nothing.advice


@pytest.mark.parametrize("name, body", [("区级相关部门", False), ("区教委等", False), ("有关单位", False),
                                        ("区财政局等部门", False), ("区教委", True), ("区委办公室（区档案局）", True),
                                        ("珞城实业公司（原珞璜建司）", True), ("", False)])
def test_placeholders_are_not_bodies(name, body):
    assert is_body(name) is body


def test_a_reclaimed_item_without_a_real_handler_goes_to_the_dispatcher():
    dataset = bundled_dataset()
    dataset.items.append(Item(code="R164", list="reclaimed", number=164, category="平安法治",
                              title="对无人驾驶航空器违规飞行扰民的处罚",
                              handlers=[Handler(["区级相关部门"], ["依职责查处。"])]))
    resolver = Resolver(dataset)
    s = suggest(resolver, "有人天天在小区上空放无人驾驶航空器违规飞行扰民，要求处罚")
    assert (s.verdict, s.item, s.assignee, s.assignee_kind, s.confidence) == ("reclaimed", "R164", "", "", 0.0)
    assert s.needs_person and "区级相关部门" in s.explanation and "不得派给珞璜镇" in s.explanation
    assert "派单员" in s.explanation


def test_leads_are_bodies_where_an_item_also_names_placeholders(lists):
    resolver, _ = lists
    for text in ("推荐先进典型参加区级表彰", "汛期防汛抢险救灾准备", "房票发放试点工作怎么开展"):
        lead = resolver.resolve(text).lead
        assert lead and is_body(lead), (text, lead)
