"""Refreshes the portal screenshots under docs/screenshots/ (desktop 1280 px and phone 375 px wide).

Run after changing a page:  python3 scripts/screenshots.py
It serves the app on a temporary SQLite database with the bundled lists and drives Debian's chromium.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from webserver import CHROMIUM, database_with_people, running_server  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
TOWN = quote("珞璜镇")
PAGES = {
    "home-answer": f"/?q={quote('小区楼下那家托育机构消防通道堆满杂物，谁来查？')}",
    "home-cooperative": f"/?q={quote('请镇里组织一次无偿献血活动')}",
    "town": f"/t/{TOWN}",
    "list": f"/t/{TOWN}/lists/cooperative",
    "item": f"/t/{TOWN}/C74",
    "search": f"/search?q={quote('消防')}&list=reclaimed",
    "department": f"/departments/{quote('区卫生健康委')}",
    "versions": f"/t/{TOWN}/versions",
}


PASSWORD = "screenshot-pw"


def _prepare(database: Path) -> None:
    """Accounts, one task review and two hotline tickets, so that the signed-in pages have something to show."""
    database_with_people(database, [("pd", "dispatcher", None, None, "派单员"),
                                    ("lhz", "town", "珞璜镇", None, "珞璜镇李主任")], PASSWORD)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.stacked button")


def _signed_in_pages(page, base: str, suffix: str) -> None:
    _sign_in(page, base, "lhz")
    page.goto(base + "/reviews/new")
    page.fill("#text", "请镇里组织一次无偿献血活动，并负责采血车辆调度和血液检测工作。")
    page.fill("#issuing_department", "区卫生健康委")
    page.click("form.stacked button")
    page.screenshot(path=str(OUT / f"review-{suffix}.png"))
    page.context.clear_cookies()
    _sign_in(page, base, "pd")
    for text in ("园区里珞城实业公司修的路坑坑洼洼，一直没人管", "我家生活困难，想申请低保，去哪里办"):
        page.goto(base + "/tickets/new")
        page.fill("#text", text)
        page.click("form.stacked button")
    page.goto(base + "/dispatch")
    page.screenshot(path=str(OUT / f"dispatch-queue-{suffix}.png"))
    page.context.clear_cookies()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        _prepare(Path(folder) / "lvzhi.db")
        with running_server(Path(folder) / "lvzhi.db") as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for width, suffix in ((1280, "desktop"), (375, "phone")):
                page = browser.new_page(viewport={"width": width, "height": 1000 if suffix == "desktop" else 800})
                for name, path in PAGES.items():
                    page.goto(base + path)
                    page.screenshot(path=str(OUT / f"{name}-{suffix}.png"), full_page=False)
                    print(OUT / f"{name}-{suffix}.png")
                _signed_in_pages(page, base, suffix)
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
