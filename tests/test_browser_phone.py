"""Tables on a 375 px phone: /departments, a department, a town's versions and a diff neither scroll the page
sideways nor stack a header one character a line (issue 16.19). Real chromium against a real server."""
from __future__ import annotations

import os
from datetime import date
from urllib.parse import quote

import pytest

from sample_lists import amended_lists
from webserver import CHROMIUM, running_server

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")

TOWN = quote("珞璜镇")
PAGES = ["/departments", "/departments/" + quote("区卫生健康委"), f"/t/{TOWN}/versions",
         f"/t/{TOWN}/diff?from=1&to=2", "/directory"]

# For every table header cell: its text, its rendered width and height, and the height of one line of its text.
HEADERS = """() => [...document.querySelectorAll('table thead th')].filter(th => th.offsetParent !== null).map(th => {
  const r = th.getBoundingClientRect(); const style = getComputedStyle(th);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
  return {text: th.innerText.trim(), width: r.width, height: r.height - parseFloat(style.paddingTop)
          - parseFloat(style.paddingBottom), line: line};
})"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    from lvzhi.lists.bundled import ensure_bundled
    from lvzhi.store import Store
    from lvzhi.work.audit import Actor
    from lvzhi.work.publishing import publish

    database = tmp_path_factory.mktemp("phone") / "lvzhi.db"
    store = Store(str(database))
    ensure_bundled(store)
    publish(store, Actor.command_line(), amended_lists(), source_name="v2.json", effective_date=date(2026, 1, 1))
    store.close()
    with running_server(database) as url:
        yield url


@pytest.fixture(scope="module")
def phone(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 800}, is_mobile=True,
                                  locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_sideways_scrolling_at_375px(phone, path):
    response = phone.goto(path)
    assert response.status == 200
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375, f"{path}：页面宽 {width} px，超出 375 px"


@pytest.mark.parametrize("path", PAGES)
def test_table_headers_are_not_stacked_a_character_a_line(phone, path):
    phone.goto(path)
    headers = phone.evaluate(HEADERS)
    assert headers, f"{path}：页面上没有表头"
    for h in headers:
        # a header of up to 4 characters stays on one line; a longer one may wrap, but into lines of 2+ chars
        lines = round(h["height"] / h["line"])
        chars = len(h["text"])
        assert lines <= max(1, (chars + 1) // 2), f"{path}：表头“{h['text']}”折成 {lines} 行（宽 {h['width']:.0f} px）"
        if chars <= 4:
            assert lines == 1, f"{path}：表头“{h['text']}”折成 {lines} 行（宽 {h['width']:.0f} px）"


def test_the_diff_marks_changed_characters_on_a_phone(phone):
    phone.goto(f"/t/{TOWN}/diff?from=1&to=2")
    marked = phone.locator("table.diff td.after ins")
    assert marked.count() >= 1 and "献血志愿者" in marked.first.inner_text()
    cell = phone.locator("table.diff td.after", has=phone.locator("ins")).first.inner_text()
    assert len(marked.first.inner_text()) < len(cell), "只标出改动的字，不是整格"
