"""诉求派单 in a real browser: the dispatcher routes from the queue, a town disputes with a citation,
the dispatcher decides it."""
from __future__ import annotations

import os
import re

import pytest


from webserver import CHROMIUM, database_with_people, running_server, signed_in_page

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")
PASSWORD = "browser-dispatch-pw"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    database = tmp_path_factory.mktemp("browser-dispatch") / "lvzhi.db"
    database_with_people(database, [("pd", "dispatcher", None, None, "pd"), ("lhz", "town", "珞璜镇", None, "lhz"),
                                    ("lc", "department", None, "珞城实业公司", "lc")], PASSWORD)
    with running_server(database) as url:
        yield url


def sign_in(browser, base_url, username, start):
    return signed_in_page(browser, base_url, username, PASSWORD, start)


def register(page, text):
    page.goto("/tickets/new")
    page.get_by_label("诉求内容").fill(text)
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    return page.url


def test_import_a_days_file_into_the_queue(browser, base_url, tmp_path):
    day = tmp_path / "今日工单.csv"
    day.write_text("工单编号,诉求内容\nW1,我们小区附近的KTV晚上接待未成年人进去唱歌\nW2,\n", encoding="gbk")
    context, page = sign_in(browser, base_url, "pd", "/dispatch")
    page.get_by_label("导入热线平台导出的工单（.csv 或 .xlsx）").set_input_files(str(day))
    page.get_by_role("button", name="导入", exact=True).click()
    report = page.get_by_role("status", name="导入结果").inner_text()
    assert "已导入 1 条工单" in report and "第 3 行：诉求内容为空" in report
    assert page.locator("li.ticket", has_text="KTV").get_by_role("button", name="按建议派给区文化旅游委").count() == 1
    context.close()


def test_route_from_the_queue_dispute_and_decide(browser, base_url):
    context, page = sign_in(browser, base_url, "pd", "/dispatch")
    road = register(page, "园区里珞城实业公司修的路坑坑洼洼，一直没人管")
    assert "派给 珞城实业公司（原珞璜建司）" in page.locator("#suggestion").inner_text()
    register(page, "我家生活困难，想申请低保，去哪里办")
    page.goto("/dispatch")
    low = page.locator("li.ticket", has_text="想申请低保")
    low.get_by_role("button", name="按建议派给珞璜镇").click()
    page.wait_for_url(re.compile(r"/dispatch$"))
    assert page.locator("li.ticket", has_text="想申请低保").count() == 0, "dispatched tickets leave the pending queue"
    page.goto(road)
    page.get_by_label("承办单位（与建议不同时须写理由）").fill("珞璜镇")
    page.get_by_role("button", name="派单").click()
    assert "派单说明不能为空" in page.locator("p.error").inner_text()
    page.get_by_label("承办单位（与建议不同时须写理由）").fill("珞璜镇")
    page.get_by_label("派单说明").fill("先由属地核实")
    page.get_by_role("button", name="派单").click()
    page.wait_for_url(road)
    assert "承办单位：珞璜镇" in page.inner_text("main")
    context.close()

    context, page = sign_in(browser, base_url, "lhz", "/inbox")
    page.locator("li.ticket", has_text="珞城实业公司修的路").get_by_role("link", name=re.compile("工单")).click()
    page.get_by_label("退单理由").fill("园区道路由珞城实业公司管护")
    page.get_by_label("引用的清单事项编码（如 R163）").fill("R163")
    page.get_by_role("button", name="申请退单").click()
    assert "支持改派给珞城实业公司（原珞璜建司）" in page.locator("section.dispute").inner_text()
    context.close()

    context, page = sign_in(browser, base_url, "pd", "/dispatch")
    page.goto("/dispatch?state=disputed")
    page.get_by_role("link", name="处理退单申请…").click()
    assert page.locator("input[name=accepted][value=yes]").is_checked(), "the lists support the dispute"
    assert page.get_by_label("改派给").input_value() == "珞城实业公司（原珞璜建司）"
    page.get_by_label("理由（必填）").fill("按 R163 改派")
    page.get_by_role("button", name="提交处理结果").click()
    assert "承办单位：珞城实业公司（原珞璜建司）" in page.inner_text("main")
    assert "已同意改派" in page.inner_text("main")
    page.goto("/dispatch/stats")
    assert page.locator("figure.chart svg").count() == 5  # by assignee, overdue by assignee, verdict, state, disputes
    context.close()

    context, page = sign_in(browser, base_url, "lc", "/inbox")
    assert page.locator("li.ticket", has_text="珞城实业公司修的路").count() == 1
    context.close()
