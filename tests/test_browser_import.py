"""导入清单 in a real browser: the admin uploads a town's three files, sees the preview (items per list, rows
to check, the changes against the current version) with nothing written, and publishes with an effective date
only after confirming."""
from __future__ import annotations

import copy
import os
import re

import pytest

from tabledocs import Style, write_files
from webserver import CHROMIUM, database_with_people, running_server, signed_in_page

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")
PASSWORD = "browser-test-pw"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    database = tmp_path_factory.mktemp("browser-import") / "lvzhi.db"
    database_with_people(database, [("boss", "admin", None, None, "区委编办张处长"),
                                    ("lhz", "town", "珞璜镇", None, "珞璜镇李主任")], PASSWORD)
    with running_server(database) as url:
        yield url


def sign_in(browser, base_url, username, start="/admin/import"):
    return signed_in_page(browser, base_url, username, PASSWORD, start)


def test_upload_preview_and_publish(browser, base_url, dataset, tmp_path):
    changed = copy.deepcopy(dataset)
    changed.by_code()["C1"].town_duties.append("负责做好表彰对象的跟踪管理。")
    changed.items = [item for item in changed.items if item.code != "R163"]
    paths = write_files(changed, tmp_path, "docx", Style(), split=True)

    context, page = sign_in(browser, base_url, "boss")
    page.wait_for_url(re.compile(r"/admin/import$"))
    page.get_by_label("清单文件").set_input_files([str(p) for p in reversed(paths)])
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url(re.compile(r"/admin/import/preview$"))
    preview = page.locator("section.import-town").inner_text()
    assert "珞璜镇" in preview and "附件1.docx、附件2.docx、附件3.docx" in preview
    counts = page.locator("section.import-town table.data").first.inner_text()
    assert "129" in counts and "110" in counts and "162" in counts and "401" in counts
    summary = page.locator("p.diff-summary").inner_text()
    assert "新增 0 项，删除 1 项，修改 1 项" in summary
    assert "R163" in preview and "负责做好表彰对象的跟踪管理。" in page.locator("article.change").inner_text()

    # nothing is written before publishing
    versions = browser.new_page()
    versions.goto(f"{base_url}/t/珞璜镇/versions")
    assert versions.locator("table.data tbody tr").count() == 1
    # publishing needs the confirmation
    page.get_by_label("生效日期").fill("2026-01-01")
    page.get_by_role("button", name="发布").click()
    assert page.url.endswith("/admin/import/preview"), "the browser keeps the form until it is confirmed"
    page.get_by_label("已核对预览，确认发布").check()
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(re.compile(r"/t/%E7%8F%9E%E7%92%9C%E9%95%87/versions$|/t/珞璜镇/versions$"))
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 2 and "2026-01-01" in rows.first.inner_text()
    assert "附件1.docx" in rows.first.inner_text()
    versions.close()
    context.close()


def test_bad_files_are_reported_and_others_than_admins_may_not_import(browser, base_url, tmp_path):
    scanned = tmp_path / "扫描件.pdf"
    from reportlab.pdfgen import canvas

    sheet = canvas.Canvas(str(scanned))
    sheet.rect(50, 50, 400, 600, fill=1)
    sheet.showPage()
    sheet.save()
    context, page = sign_in(browser, base_url, "boss")
    page.wait_for_url(re.compile(r"/admin/import$"))
    page.get_by_label("清单文件").set_input_files([str(scanned)])
    page.get_by_role("button", name="上传并预览").click()
    alert = page.get_by_role("alert").inner_text()
    assert "扫描件.pdf" in alert and "没有文字层" in alert and "OCR" in alert
    assert page.get_by_role("button", name="发布").count() == 0
    context.close()

    context, page = sign_in(browser, base_url, "lhz", start="/reviews")
    page.wait_for_url(re.compile(r"/reviews$"))
    response = page.goto("/admin/import")
    assert response.status == 403 and "无权导入清单" in page.inner_text("main")
    context.close()
