"""动态调整 in a real browser: a town drafts a new duty, edits the draft and submits it, two departments give
opinions, the admin consults,
approves over a disagreement with a reason, publishes "2027年第一次动态调整"; the notice, feed, diff and item page show it."""
from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pytest

from webserver import CHROMIUM, database_with_people, running_server, signed_in_page

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")
PASSWORD = "browser-test-pw"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    database = tmp_path_factory.mktemp("browser-proposals") / "lvzhi.db"
    database_with_people(database, [("lhz", "town", "珞璜镇", None, "珞璜镇李主任"),
                                    ("wsj", "department", None, "区卫生健康委", "卫健委王科长"),
                                    ("scj", "department", None, "区市场监管局", "市场监管局赵科长"),
                                    ("boss", "admin", None, None, "区委编办张处长")], PASSWORD)
    with running_server(database) as url:
        yield url


def sign_in(browser, base_url, username, target="/proposals"):
    return signed_in_page(browser, base_url, username, PASSWORD, target)


def test_propose_consult_approve_publish(browser, base_url):
    context, page = sign_in(browser, base_url, "lhz")
    page.get_by_role("link", name="提出调整申请").click()
    page.get_by_label("所属清单", exact=True).select_option("cooperative")
    page.get_by_label("类别", exact=True).fill("卫生健康")
    page.get_by_label("事项名称", exact=True).fill("社区托育服务点管理")
    page.get_by_label("对应上级部门（配合事项，每行一个）").fill("区卫生健康委\n区市场监管局")
    page.get_by_label("上级部门职责（配合事项，每行“部门：职责”）").fill(
        "区卫生健康委：负责托育服务点备案和业务指导。\n区市场监管局：负责托育服务点食品安全监督管理。")
    page.get_by_label("镇配合职责（配合事项，每行一条）").fill("负责辖区托育服务点的日常巡查，发现问题及时报告相关部门。")
    page.get_by_label("理由说明").fill("镇里实际承担托育服务点巡查，申请列入清单")
    page.get_by_label("依据文件名称").fill("重庆市托育服务管理办法")
    page.get_by_role("button", name="存为草稿").click()
    page.wait_for_url(re.compile(r"/proposals/\d+$"))
    proposal_url = page.url
    assert page.locator("#state").inner_text() == "草稿"
    # the draft is edited on the web: the form comes back filled in with it, and is submitted from there
    page.get_by_role("link", name="修改申请").click()
    page.wait_for_url(re.compile(r"/proposals/\d+/edit$"))
    assert page.get_by_label("事项名称", exact=True).input_value() == "社区托育服务点管理"
    assert page.get_by_label("所属清单", exact=True).input_value() == "cooperative"
    assert "区市场监管局：负责托育服务点食品安全监督管理。" in page.get_by_label(
        "上级部门职责（配合事项，每行“部门：职责”）").input_value()
    assert page.get_by_label("理由说明").input_value() == "镇里实际承担托育服务点巡查，申请列入清单"
    page.get_by_label("事项名称", exact=True).fill("社区托育服务点安全管理")
    page.get_by_role("button", name="保存并提交").click()
    page.wait_for_url(proposal_url)
    assert page.locator("#state").inner_text() == "已提交"
    assert "清单中尚无此事项" in page.locator("#before").inner_text()
    assert "日常巡查" in page.locator("#after").inner_text()
    assert "社区托育服务点安全管理" in page.locator("#after").inner_text()
    assert page.get_by_role("link", name="修改申请").count() == 0  # submitted: no longer editable
    assert page.request.get(proposal_url + "/edit").status == 409
    context.close()

    context, page = sign_in(browser, base_url, "boss")
    page.goto(proposal_url)
    page.get_by_role("button", name="组织会商").click()
    assert page.locator("#state").inner_text() == "会商中"
    assert page.locator("ul.opinions li").count() == 2
    context.close()

    for who, choice, words in (("wsj", "同意", "同意，由镇承担巡查。"), ("scj", "不同意", "食品安全由我局直接检查。")):
        context, page = sign_in(browser, base_url, who)
        page.goto(proposal_url)
        page.get_by_label(choice, exact=True).check()
        page.get_by_label("书面意见").fill(words)
        page.get_by_role("button", name="提出意见").click()
        assert words in page.locator("ul.opinions").inner_text()
        context.close()

    context, page = sign_in(browser, base_url, "boss")
    page.goto(proposal_url)
    assert page.locator("#state").inner_text() == "待审定"
    page.get_by_role("radio", name="批准").check()
    page.get_by_role("button", name="审定").click()
    assert "区市场监管局不同意该调整；如仍批准，须写明理由" in page.locator(".error").inner_text()
    page.get_by_role("radio", name="批准").check()
    page.get_by_role("textbox", name="理由（退回、或有部门不同意或未答复而批准时必填）").fill("巡查由镇承担，食品安全仍由部门负责")
    page.get_by_role("button", name="审定").click()
    assert page.locator("#state").inner_text() == "已批准"
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="动态调整").click()
    on = (date.today() + timedelta(days=3)).isoformat()
    page.get_by_label("版本名称").fill("2027年第一次动态调整")
    page.get_by_label("生效日期（今天或以后）").fill(on)
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(re.compile(r"/t/.+/adjustments$"))
    notice = page.inner_text("main")
    assert "2027年第一次动态调整" in notice and f"{on} 起生效" in notice and "乡镇申请" in notice
    assert "区市场监管局不同意" in notice
    code = page.locator("main li a").first.inner_text()
    feed = page.request.get("/t/珞璜镇/adjustments.atom")
    assert feed.ok and "2027年第一次动态调整" in feed.text() and "application/atom+xml" in feed.headers["content-type"]
    page.goto("/t/珞璜镇/diff")
    assert "镇里实际承担托育服务点巡查" in page.locator("li.added", has_text=code).inner_text()
    page.goto("/t/珞璜镇/versions")
    assert "待生效" in page.inner_text("main")
    page.goto(f"/t/珞璜镇/{code}?version=2027年第一次动态调整")
    assert "镇里实际承担托育服务点巡查" in page.locator("section.adjustments").inner_text()
    context.close()
