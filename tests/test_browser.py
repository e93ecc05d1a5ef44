"""The portal in a real browser: Debian's chromium driven by Playwright, against a real lvzhi server."""
from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest

from webserver import CHROMIUM, running_server

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")

QUESTION = "小区楼下那家托育机构消防通道堆满杂物，谁来查？"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("browser") / "lvzhi.db") as url:
        yield url


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"browser reported errors: {errors}"


def test_ask_a_question_and_read_the_answer(page):
    page.goto("/")
    page.get_by_label("把诉求、通知或工单的文字贴在这里", exact=False).fill(QUESTION)
    page.get_by_role("button", name="判断").click()
    answer = page.locator("#answer")
    answer.wait_for()
    assert "上级部门收回" in answer.locator(".badge").inner_text()
    assert answer.locator("dd.lead").inner_text() == "区卫生健康委"
    assert "R8" in answer.inner_text()
    answer.get_by_role("link", name=re.compile("对辖区内托育机构的监督管理")).click()
    page.wait_for_url(re.compile(r"/t/.+/R8$"))
    assert "开展托育机构卫生安全、食品安全、消防安全监督检查" in page.inner_text("main")


def test_ctrl_enter_submits_the_question(page):
    page.goto("/")
    box = page.locator("#q")
    box.fill("请镇里组织一次无偿献血活动")
    box.press("Control+Enter")
    page.locator("#answer").wait_for()
    text = page.locator("#answer").inner_text()
    assert "配合履职" in text and "区卫生健康委" in text
    assert "镇配合职责" not in text  # a resident reads whom to contact first; the lists' terms are folded below
    page.locator("#answer details.duties summary").click()
    assert "镇配合职责" in page.locator("#answer").inner_text()


def test_browse_a_category_to_an_item(page):
    page.goto("/towns")
    page.get_by_role("link", name="珞璜镇").first.click()
    cooperative = page.locator("section.list-summary.cooperative")
    cooperative.get_by_role("link", name="民生服务").click()
    page.wait_for_url(re.compile(r"/lists/cooperative\?category="))
    page.get_by_role("link", name=re.compile("无偿献血工作")).click()
    page.wait_for_url(re.compile(r"/C39$"))
    assert page.locator("h1").inner_text() == "无偿献血工作"
    town_side = page.locator("section.side.town").inner_text()
    assert "镇配合职责" in town_side and "献血" in town_side


def test_search_then_narrow_with_a_facet(page):
    page.goto("/search")
    page.get_by_label("关键词").fill("消防")
    page.get_by_role("button", name="检索").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    total = int(re.search(r"找到 (\d+) 项", page.inner_text("#results-title")).group(1))
    page.locator("aside.facets").get_by_role("link", name="上级部门收回").click()
    page.wait_for_url(re.compile(r"list=reclaimed"))
    narrowed = int(re.search(r"找到 (\d+) 项", page.inner_text("#results-title")).group(1))
    assert 0 < narrowed < total
    codes = page.locator("ol.hits .code").all_inner_texts()
    assert codes and all(code.startswith("R") for code in codes)
    assert page.locator("ol.hits mark").count() > 0


def test_open_a_department_page(page):
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="部门").click()
    page.get_by_role("link", name="区卫生健康委", exact=True).click()
    assert page.locator("h1").inner_text() == "区卫生健康委"
    assert "牵头的配合事项" in page.inner_text("main") and "承接的收回事项" in page.inner_text("main")


@pytest.mark.parametrize("path", ["/?q=" + quote(QUESTION), "/t/%E7%8F%9E%E7%92%9C%E9%95%87/C74",
                                  "/search?q=" + quote("消防"), "/t/%E7%8F%9E%E7%92%9C%E9%95%87",
                                  "/departments/" + quote("区卫生健康委")])
def test_phone_width_has_no_sideways_scrolling(browser, base_url, path):
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.get_by_role("navigation", name="主导航").is_visible()
    context.close()


def test_keyboard_skip_link_and_print_layout(page):
    page.goto("/t/%E7%8F%9E%E7%92%9C%E9%95%87/C74")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert page.locator("section.side.town").is_visible()
