"""The responsibility resolver on requests written from the lists' rules, and on bad input."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lvzhi.registry import strip_parenthesised
from lvzhi.resolve import Resolver
from lvzhi.resolve.resolver import MAX_TEXT_CHARS

CASES = yaml.safe_load((Path(__file__).parent / "resolver_cases.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def resolver(dataset) -> Resolver:
    return Resolver(dataset)


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:12] for c in CASES])
def test_the_lists_decide(resolver, case):
    answer = resolver.resolve(case["text"])
    assert answer.verdict == case["verdict"], answer.explanation
    assert strip_parenthesised(answer.lead) == strip_parenthesised(case["lead"])
    if "item" in case:
        assert answer.candidates[0].item.code == case["item"], [c.item.code for c in answer.candidates]


def test_a_cooperative_answer_gives_both_sides(resolver, dataset):
    answer = resolver.resolve("请镇里组织一次无偿献血活动，动员机关干部和群众参加。")
    c39 = dataset.by_code()["C39"]
    assert answer.town_part == c39.town_duties and len(answer.town_part) == 2
    assert answer.department_part == c39.department_duties[0].duties
    assert "区卫生健康委" in answer.explanation and "C39" in answer.explanation


def test_a_reclaimed_answer_names_the_handler_and_its_methods(resolver, dataset):
    answer = resolver.resolve("有人把消火栓用铁皮围起来圈进了自家院子。")
    assert answer.handler_methods == dataset.by_code()["R121"].handlers[0].methods
    assert answer.town_part == []
    assert "不得再交由镇承担" in answer.explanation


def test_an_off_list_answer_says_who_usually_handles_it(resolver):
    answer = resolver.resolve("想办离婚手续，要去哪里？")
    assert answer.verdict == "unlisted" and "民政局" in answer.handled_elsewhere_by
    assert "职责准入" in answer.explanation


def test_traditional_characters_are_read_as_simplified(resolver):
    simplified = resolver.resolve("想申请低保，家里生活很困难")
    traditional = resolver.resolve("想申請低保，家裡生活很困難")
    assert traditional.verdict == simplified.verdict == "basic"
    assert traditional.candidates[0].item.code == simplified.candidates[0].item.code == "B51"


def test_full_width_and_mixed_scripts(resolver):
    answer = resolver.resolve("ＫＴＶ里有 minors（未成年人）在唱歌喝酒 !!!")
    assert answer.verdict == "reclaimed" and answer.candidates[0].item.code == "R140"


@pytest.mark.parametrize("text, message", [
    ("", "为空"),
    ("   \n ", "为空"),
    ("？！。，……", "只有标点"),
    (None, "缺少"),
    (12345, "必须是文字"),
])
def test_unusable_requests_get_a_clear_chinese_error(resolver, text, message):
    answer = resolver.resolve(text, "x1")
    assert answer.error and message in answer.error
    assert answer.id == "x1" and answer.to_dict()["error"] == answer.error


def test_long_requests_are_answered_up_to_the_limit(resolver):
    text = ("村里有人乱倒垃圾。" * (MAX_TEXT_CHARS // 9 + 1))[:MAX_TEXT_CHARS]
    assert resolver.resolve(text).error is None
    too_long = resolver.resolve(text + "垃")
    assert too_long.error and str(MAX_TEXT_CHARS) in too_long.error


def test_many_requests_keep_their_order_and_ids(resolver):
    answers = resolver.resolve_many([("a", "社保卡丢了"), ("b", ""), ("c", "想办离婚手续")])
    assert [a.id for a in answers] == ["a", "b", "c"]
    assert [a.verdict for a in answers] == ["basic", None, "unlisted"], "an unusable request has no verdict"
    assert answers[1].error and not answers[2].error


def test_top_k_limits_the_candidates(resolver):
    assert len(resolver.resolve("社保卡丢了", top=5).candidates) == 5
    assert len(resolver.resolve("社保卡丢了", top=1).candidates) == 1
