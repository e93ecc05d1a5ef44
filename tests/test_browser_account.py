"""Changing one's own password in chromium: the rule is checked as the new password is typed (issue 16.10), the
form will not submit a password that breaks it, and a good one is saved."""
from __future__ import annotations

import os

import pytest

from webserver import CHROMIUM, database_with_people, running_server, signed_in_page

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")

PASSWORD = "lvzhi-test-pw"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    database = tmp_path_factory.mktemp("account") / "lvzhi.db"
    database_with_people(database, [("lhz", "town", "珞璜镇", None, "珞璜镇审查人")], PASSWORD)
    with running_server(database) as url:
        yield url


def states(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#rule li[data-check]')]
        .map(li => [li.dataset.check, li.classList.contains('ok') ? 'ok' : li.classList.contains('bad') ? 'bad' : '']))""")


def test_the_password_rule_is_checked_as_it_is_typed(browser, base_url):
    context, page = signed_in_page(browser, base_url, "lhz", PASSWORD, start="/account", width=375)
    page.get_by_label("当前密码").fill(PASSWORD)
    new = page.get_by_label("新密码")
    assert states(page) == {"length": "", "distinct": "", "username": "", "old": ""}
    new.press_sequentially("aaa")
    assert states(page) == {"length": "bad", "distinct": "bad", "username": "ok", "old": "ok"}
    new.fill("")
    new.press_sequentially("lhz")
    assert states(page)["username"] == "bad"
    new.fill("")
    new.press_sequentially(PASSWORD)
    assert states(page) == {"length": "ok", "distinct": "ok", "username": "ok", "old": "bad"}
    assert "不能与当前密码相同" in new.evaluate("input => input.validationMessage")
    page.get_by_role("button", name="修改密码").click()
    assert page.url.endswith("/account")  # the browser kept the form: nothing was sent
    new.fill("")
    new.press_sequentially("Luohuang-2027")
    assert set(states(page).values()) == {"ok"} and new.evaluate("input => input.validity.valid")
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_url("**/login?next=/account")  # saved: every session of the account ends, this one too
    page.get_by_label("用户名").fill("lhz")
    page.get_by_label("密码").fill("Luohuang-2027")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/account")
    assert "我的账号" in page.inner_text("main")
    context.close()
