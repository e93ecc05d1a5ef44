"""地点用词 in a real browser: the list office adds a street of the built-up area on the places page, and the
same request, asked again on the home page, is answered by the built-up area's item, saying where."""
from __future__ import annotations

import os
import re

import pytest

from webserver import CHROMIUM, database_with_people, running_server, signed_in_page

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")
PASSWORD = "browser-test-pw"
STREET = "滨江大道"  # tests only: no real street is claimed
REQUEST = f"{STREET}两边的生活垃圾乱堆乱放没人管"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    database = tmp_path_factory.mktemp("browser-places") / "lvzhi.db"
    database_with_people(database, [("office", "admin", None, None, "区委编办张处长")], PASSWORD)
    with running_server(database) as url:
        yield url


def test_the_list_office_adds_a_street_and_the_answer_says_where(browser, base_url, tmp_path):
    context, page = signed_in_page(browser, base_url, "office", PASSWORD)
    page.goto("/?q=" + REQUEST)
    assert "B110" in page.locator("#answer").inner_text()
    page.get_by_role("link", name="地点").click()
    page.wait_for_url(re.compile(r"/admin/places/"))
    section = page.locator("section.place", has_text="城市建成区").first
    box = section.get_by_label(re.compile("^属于该地点的词"))
    box.fill(box.input_value() + "\n" + STREET)
    section.get_by_role("button", name=re.compile("保存")).click()
    page.wait_for_load_state()
    assert "立即生效" in page.get_by_role("status").inner_text()
    assert STREET in page.locator("section.place", has_text="城市建成区").first.get_by_label(
        re.compile("^属于该地点的词")).input_value()
    page.screenshot(path=str(tmp_path / "places.png"), full_page=True)
    page.goto("/?q=" + REQUEST)
    answer = page.locator("#answer").inner_text()
    assert "R126" in answer and f"因为地点在“{STREET}”" in answer
    page.goto("/admin/places/珞璜镇")
    section = page.locator("section.place", has_text="城市建成区").first
    section.get_by_label(re.compile("^属于该地点的词")).fill("城区\n街")
    section.get_by_role("button", name=re.compile("保存")).click()
    assert "第 2 个词“街”过短" in page.get_by_role("alert").inner_text()
    context.close()
