"""When the answer turns on a fact the request does not state (是否在城市建成区内？), the answer asks it, with
what each choice gives — in the API, the portal and the CLI — and answering re-runs the resolver with it."""
from __future__ import annotations

import json

from fastapi.testclient import TestClient

from helpers import lvzhi
from lvzhi.lists.bundled import bundled_dataset
from lvzhi.resolve import Resolver
from lvzhi.web import create_app

HELMET = "骑摩托车不戴头盔，谁来罚？"
RUBBISH = "有人把装修垃圾乱倒在路边"


def test_the_question_offers_both_answers_from_the_scope(dataset=None):
    resolver = Resolver(bundled_dataset())
    answer = resolver.resolve(HELMET)
    assert answer.question is not None and "乡道或村道" in answer.question.text
    yes, no = answer.question.answers[True], answer.question.answers[False]
    assert (yes.verdict, yes.lead, yes.item.code) == ("reclaimed", "区公安局", "R130")
    assert no.verdict == "unlisted"
    garbage = resolver.resolve(RUBBISH).question
    assert garbage is not None and "城市建成区" in garbage.text
    assert garbage.answers[True].item.code == "R126" and garbage.answers[False].item.code == "B110"


def test_no_question_when_the_request_states_it():
    resolver = Resolver(bundled_dataset())
    answer = resolver.resolve("村道上骑摩托车不戴头盔，谁来罚？")
    assert answer.question is None and answer.item.code == "R130"
    assert resolver.resolve("我想申请低保").question is None


def test_the_api_asks_and_takes_the_answer(tmp_path):
    client = TestClient(create_app(database=f"sqlite:///{tmp_path / 'lvzhi.db'}", warm=False))
    first = client.post("/api/v1/resolve", json={"text": RUBBISH}).json()
    question = first["question"]["question"]
    assert [c["answer"] for c in first["question"]["choices"]] == ["是", "否"]
    answered = client.post("/api/v1/resolve", json={"text": RUBBISH, "assume": {question: True}}).json()
    assert answered["verdict"] == "reclaimed" and answered["lead"] == "区城市管理局"
    page = client.get("/", params={"q": RUBBISH}).text
    assert "需要确认" in page and "choice=yes" in page and "choice=no" in page
    chosen = client.get("/", params={"q": RUBBISH, "choice": "yes"}).text
    assert "区城市管理局" in chosen and "已按“是”回答" in chosen


def test_the_cli_asks_and_takes_the_answer(tmp_path):
    database = f"sqlite:///{tmp_path / 'lvzhi.db'}"
    text = lvzhi(database, "resolve", HELMET).stdout
    assert "需要确认" in text and "--answer" in text
    answered = json.loads(lvzhi(database, "resolve", HELMET, "--answer", "是", "--format", "json").stdout)
    assert answered["verdict"] == "reclaimed" and answered["items"][0]["code"] == "R130"
    assert lvzhi(database, "resolve", HELMET, "--answer", "也许").returncode == 1


def test_a_resident_sees_who_handles_it_an_official_sees_the_rest(tmp_path):
    client = TestClient(create_app(database=f"sqlite:///{tmp_path / 'lvzhi.db'}", warm=False))
    resident = client.get("/", params={"q": "我想办理结婚登记，去哪里办"}).text
    assert "12345" in resident and "区民政局婚姻登记处" in resident
    assert "确需镇承担的" not in resident and "得分" not in resident
    official = client.get("/", params={"q": "我想办理结婚登记，去哪里办", "view": "official"}).text
    assert "确需镇承担的" in official and "理由：" in official
    reclaimed = client.get("/", params={"q": "KTV晚上让未成年人进去唱歌"}).text
    assert "请联系区文化旅游委" in reclaimed and "<strong>区文化旅游委</strong>" in reclaimed  # and its contact card


def test_the_place_that_decided_is_named_and_comes_from_the_towns_places_file():
    from lvzhi.knowledge import own_folder

    resolver = Resolver(bundled_dataset())
    street = resolver.resolve("街上有人乱倒生活垃圾")
    assert street.item.code == "R126" and "因为地点在“街上”（城市建成区）" in street.explanation
    village = resolver.resolve("村里有人乱倒生活垃圾")
    assert village.item.code == "B110" and "不属城市建成区" in village.explanation
    scope = next(s for s in own_folder("珞璜镇").scopes if s.place == "城市建成区")
    assert "老街" in scope.place_says and "老街" in scope.when  # the words come from places.yaml, not from the rule
    helmet = resolver.resolve("村道上骑摩托车不戴头盔")
    assert "托车" not in helmet.matched and "摩托车" in "".join(helmet.matched)


def test_a_resident_reads_whom_to_contact_before_the_lists_terms(tmp_path):
    """On a phone the resident must not scroll past a department's eight duties to find whom to call, nor read
    "R130–R139 事项名称限定…" or "上级部门收回" on the ask-back buttons: those are the official view's."""
    client = TestClient(create_app(database=f"sqlite:///{tmp_path / 'lvzhi.db'}", warm=False))
    page = client.get("/", params={"q": "楼下超市卖过期的牛奶"}).text
    answer = page.split('id="answer"')[1]
    assert answer.index("找谁办、怎么联系") < answer.index("区市场监管局的职责")
    assert '<details class="duties"><summary>清单写明的分工</summary>' in answer  # still there, folded
    helmet = client.get("/", params={"q": HELMET}).text.split('id="answer"')[1]
    buttons = helmet.split('class="ask-back"')[1].split("</section>")[0]
    assert "R130" not in buttons and "上级部门收回" not in buttons and "清单外" not in buttons
    assert "是：区公安局办理" in buttons and "否：区公安局交巡警部门办理" in buttons
    official = client.get("/", params={"q": HELMET, "view": "official"}).text.split('id="answer"')[1]
    assert "R130–R139" in official and "是：上级部门收回 · 区公安局" in official
    expired = client.get("/", params={"q": "楼下超市卖过期的牛奶", "view": "official"}).text.split('id="answer"')[1]
    assert expired.index("区市场监管局的职责") < expired.index("理由：") and "<details class=\"duties\">" not in expired
