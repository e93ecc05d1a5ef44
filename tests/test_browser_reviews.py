"""事项准入 in a real browser: a department submits, the town decides, the admin sees monitor and audit log."""
from __future__ import annotations

import os
import re

import pytest


from webserver import CHROMIUM, database_with_people, running_server, signed_in_page

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")
PASSWORD = "browser-test-pw"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    database = tmp_path_factory.mktemp("browser-reviews") / "lvzhi.db"
    database_with_people(database, [("wsj", "department", None, "区卫生健康委", "卫健委王科长"),
                                    ("lhz", "town", "珞璜镇", None, "珞璜镇李主任"),
                                    ("boss", "admin", None, None, "区委编办张处长")], PASSWORD)
    with running_server(database) as url:
        yield url


def sign_in(browser, base_url, username):
    return signed_in_page(browser, base_url, username, PASSWORD, "/reviews")


def test_submit_decide_and_monitor_in_the_browser(browser, base_url):
    context, page = sign_in(browser, base_url, "wsj")
    page.get_by_role("link", name="提交新任务").click()
    page.get_by_label("标题（可不填）").fill("无偿献血活动")
    page.get_by_label("任务内容", exact=False).fill("请镇里组织一次无偿献血活动，并负责采血车辆调度和血液检测工作。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/reviews/\d+$"))
    review_url = page.url
    proposal = page.locator("#proposal").inner_text()
    assert "配合准入" in proposal and "C39" in proposal
    assert page.locator("li.beyond").count() == 1 and "采血车辆调度" in page.locator("li.beyond").inner_text()
    assert page.locator("form.decide").count() == 0, "a department cannot decide"
    context.close()

    context, page = sign_in(browser, base_url, "lhz")
    page.get_by_role("link", name="无偿献血活动").click()
    town_duties = page.locator("section.side.town").inner_text()
    assert "参与献血宣传活动" in town_duties and "每年至少动员和组织一次献血活动" in town_duties
    assert page.locator("input[name=decision][value=cooperate]").is_checked(), "the proposal is preselected"
    page.get_by_role("button", name="确认决定").click()
    page.wait_for_url(review_url)
    assert "已决定" in page.inner_text("main") and "珞璜镇李主任" in page.inner_text("main")
    page.get_by_role("link", name="审查意见（可打印）").click()
    assert "审查决定：配合准入" in page.inner_text("article.opinion")
    context.close()

    context, page = sign_in(browser, base_url, "boss")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="监测").click()
    row = page.locator("table.data tbody tr", has_text="区卫生健康委").first
    assert row.locator("td").nth(3).inner_text() == "1", "one limited (配合准入) task"
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="审计").click()
    log = page.locator("table.audit").inner_text()
    assert "作出审查决定" in log and "提交准入审查" in log and "lhz" in log and "wsj" in log
    context.close()


def test_an_override_without_reason_is_refused_on_the_page(browser, base_url):
    context, page = sign_in(browser, base_url, "lhz")
    page.get_by_role("link", name="提交新任务").click()
    page.get_by_label("任务内容", exact=False).fill("请各镇对辖区内所有托育机构开展一次全面检查")
    page.get_by_label("交办部门").fill("区卫生健康委")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/reviews/\d+$"))
    assert "退回" in page.locator("#proposal").inner_text() and "R8" in page.locator("#proposal").inner_text()
    page.locator("input[name=decision][value=admit]").check()
    page.get_by_role("button", name="确认决定").click()
    assert "请写明理由" in page.locator("p.error").inner_text()
    page.locator("input[name=decision][value=admit]").check()
    page.get_by_label("理由", exact=True).fill("区政府会议纪要明确本次检查由镇配合开展")
    page.get_by_role("button", name="确认决定").click()
    assert "系统建议为退回" in page.inner_text("main")
    context.close()
