"""The action a department's notice asks of the town (核发, 审验, 核定价格, 监考…) against what the best item's own
text says the town does: the 清单外 feature `foreign_action` (knowledge/actions.yaml, resolve/unlisted.py)."""
from __future__ import annotations

import pytest

from lvzhi.knowledge import Action, actions, knowledge_for, town_does
from lvzhi.resolve import Resolver
from lvzhi.resolve.unlisted import DECIDE_AT, FEATURES, model


@pytest.fixture(scope="module")
def resolver(dataset) -> Resolver:
    return Resolver(dataset)


def _item(dataset, code):
    return next(i for i in dataset.items if i.code == code)


def test_an_action_is_asked_only_after_the_notice_turns_to_the_town():
    licensing = Action("许可", asks=("核发", "审批"), does=("许可",))
    assert licensing.asked("区生态环境局：请镇街对辖区排污单位核发排污许可证。")
    assert licensing.asked("区卫生健康委：请协助审批诊所设置。")
    assert not licensing.asked("开发商修房子把路边几棵大香樟树砍了，有没得审批"), "a resident's question asks nothing"
    assert not licensing.asked("区生态环境局核发排污许可证的情况通报"), "no 请…: nothing is asked of the town"


def test_an_action_about_something_needs_that_thing_too():
    archives = Action("档案", asks=("接收", "保管"), does=("保管", "接收"), about=("档案",))
    assert archives.asked("区档案馆：请镇街接收辖区撤销单位的档案并负责保管。")
    assert not archives.asked("请镇街接收并转发气象灾害预警信息。"), "接收 of warnings is not about archives"
    assert archives.done_in("负责档案的接收和保管")
    assert not archives.done_in("负责接收气象灾害预警信息")


def test_the_catalogue_reads_and_every_action_says_how_it_is_asked_and_done(dataset):
    found = actions()
    assert len(found) >= 8
    for action in found:
        assert action.name and action.asks and action.does, action
    assert knowledge_for(dataset).actions == found, "every town's resolver compares against the same catalogue"
    assert "foreign_action" in FEATURES and "foreign_action" in model().weights


def test_what_the_town_does_is_the_town_part_of_a_cooperative_item_and_the_power_of_a_reclaimed_one(dataset):
    c44 = _item(dataset, "C44")  # the department supervises and punishes; the town patrols, trains and reports
    assert "日常监督巡查" in town_does(c44) and "执法" not in town_does(c44)
    r146 = _item(dataset, "R146")  # the reclaimed power itself: 林木采伐许可证核发
    assert "核发" in town_does(r146)
    basic = next(i for i in dataset.items if i.list == "basic")
    assert basic.title in town_does(basic), "a basic item's title is itself the town's duty"


def test_a_notice_asking_a_power_the_best_item_never_gives_the_town_is_foreign(resolver):
    asked = "区交通运输委：请镇街负责辖区驾驶培训学校的年度审验。"
    answer = resolver.resolve(asked)
    assert answer.unlisted.features["foreign_action"] == 1.0
    assert answer.verdict == "unlisted" and answer.unlisted_probability >= DECIDE_AT


@pytest.mark.parametrize("text", [
    "区发展改革委：请镇街核定辖区停车场收费标准并公示。",
    "区教委：请镇街选派人员承担高考考务工作。",
    "区卫生健康委：请镇街为辖区药店核发药品经营许可证。",
    "区档案馆：请镇街接收辖区撤销单位的档案并负责保管。",
])
def test_other_bodies_powers_asked_of_the_town_are_off_the_lists(resolver, text):
    answer = resolver.resolve(text)
    assert answer.unlisted.features["foreign_action"] > 0, text
    assert answer.verdict == "unlisted", (text, answer.unlisted_probability)


def test_a_notice_asking_what_the_items_own_text_gives_the_town_stays_with_the_item(resolver):
    # C84's town part receives applications for rural building permits (乡村建设规划许可)
    answer = resolver.resolve("某村拟新建公益性村民文化广场，请镇里受理乡村建设规划许可申请并完成资料初审。")
    assert answer.unlisted.features["foreign_action"] == 0.0
    assert answer.verdict == "cooperative" and answer.item.code == "C84"
    # a resident's question about an approval asks nothing of the town: the feature stays silent
    assert resolver.resolve("开发商修房子把路边几棵大香樟树砍了，有没得审批").unlisted.features["foreign_action"] == 0.0


@pytest.mark.parametrize("text, code", [
    ("区规划和自然资源局：请镇街配合做好辖区集体土地征收工作。", "R160"),  # 征收 of land, not of a tax or fee
    ("区医保局：请镇街做好城乡居民医保费征缴宣传动员。", "C36"),  # the town part mobilises people to pay
    ("区农业农村委：请镇街受理辖区农村宅基地建房申请并初审。", "B103"),
])
def test_a_notice_the_lists_give_the_town_is_not_made_foreign(resolver, text, code):
    answer = resolver.resolve(text)
    assert answer.unlisted.features["foreign_action"] == 0.0, text
    assert answer.verdict != "unlisted" and answer.item.code == code, (answer.verdict, answer.unlisted_probability)
