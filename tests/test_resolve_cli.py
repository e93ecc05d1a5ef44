"""`lvzhi resolve`, `lvzhi eval` and `lvzhi overlaps` as a user runs them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lvzhi.resolve import Resolver
from lvzhi.resolve.evaluate import Labelled, evaluate, read_labelled, LabelError

from helpers import lvzhi

DEV_SET = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev-queries.jsonl"


@pytest.fixture()
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'lvzhi.db'}"


def test_resolve_one_request_as_text(db):
    result = lvzhi(db, "resolve", "请镇里组织一次无偿献血活动，动员群众参加")
    assert result.returncode == 0, result.stderr
    assert "配合履职事项" in result.stdout and "C39" in result.stdout and "区卫生健康委" in result.stdout
    assert "镇配合职责" in result.stdout


def test_resolve_one_request_as_json(db):
    result = lvzhi(db, "resolve", "社保卡丢了想补办", "--format", "json", "--top", "4")
    answer = json.loads(result.stdout)
    assert answer["verdict"] == "basic" and answer["lead"] == "珞璜镇"
    assert answer["items"][0]["code"] == "B44" and len(answer["items"]) == 4
    assert {"id", "verdict", "lead", "items", "town_part", "explanation"} <= set(answer)


def test_resolve_a_file_line_by_line_in_order(db, tmp_path):
    lines = [
        json.dumps({"id": "a", "text": "有人把消火栓圈进了自家院子"}, ensure_ascii=False),
        "not json",
        json.dumps({"id": "c"}),
        "",
        json.dumps({"id": 4, "text": "想办离婚手续"}, ensure_ascii=False),
        json.dumps({"id": "e", "text": "！！！"}, ensure_ascii=False),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = lvzhi(db, "resolve", "--input", str(path))
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["a", None, "c", "4", "e"]
    assert answers[0]["verdict"] == "reclaimed" and answers[0]["lead"] == "区消防救援局"
    assert "第 2 行不是有效的 JSON" in answers[1]["error"]
    assert "缺少 text" in answers[2]["error"]
    assert answers[3]["verdict"] == "unlisted" and "error" not in answers[3]
    assert "只有标点" in answers[4]["error"]
    for failed in (answers[1], answers[2], answers[4]):
        assert failed["verdict"] is None and "verdict_text" not in failed and "lead" not in failed, \
            "a row with an error has no verdict"


def test_resolve_reads_standard_input(db):
    result = lvzhi(db, "resolve", "--input", "-", stdin='{"id": "s1", "text": "兵役登记在哪里办"}\n')
    answer = json.loads(result.stdout)
    assert answer["id"] == "s1" and answer["items"][0]["code"] == "B73"


def test_resolve_refuses_unclear_calls(db, tmp_path):
    neither = lvzhi(db, "resolve")
    assert neither.returncode == 1 and "二者选一" in neither.stderr
    missing = lvzhi(db, "resolve", "--input", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 1 and "找不到输入文件" in missing.stderr
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes('{"id": "g", "text": "低保"}\n'.encode("gbk"))
    wrong = lvzhi(db, "resolve", "--input", str(gbk))
    assert wrong.returncode == 1 and "不是 UTF-8" in wrong.stderr


def test_scores_are_counted_as_documented(dataset):
    resolver = Resolver(dataset)
    labelled = [
        Labelled("1", "社保卡丢了想补办", "basic", ["B44"], "珞璜镇"),
        Labelled("2", "想办离婚手续", "unlisted", [], ""),
        Labelled("3", "社保卡丢了想补办", "cooperative", ["C1"], "区委组织部"),  # deliberately wrong label
        Labelled("4", "想办离婚手续", "basic", ["B51"], "珞璜镇"),  # deliberately wrong label
    ]
    scores = evaluate(resolver, labelled)
    assert scores.verdict_accuracy == 0.5 and scores.lead_accuracy == 0.5
    assert scores.listed == 3 and scores.item_at_1 == 1
    assert scores.unlisted_precision == 0.5 and scores.unlisted_recall == 1.0
    assert round(scores.unlisted_f1, 4) == 0.6667
    assert scores.confusion[("basic", "unlisted")] == 1 and len(scores.misses) == 2


def test_bad_label_files_name_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "1", "text": "x", "verdict": "basic", "items": [], "lead": ""}\n{"id": "2"}\n',
                    encoding="utf-8")
    with pytest.raises(LabelError, match="第 2 行"):
        read_labelled(path)


@pytest.mark.skipif(not DEV_SET.exists(), reason="没有找到 shared/eval/dev-queries.jsonl：已跳过开发集评测")
def test_eval_on_the_development_set_meets_the_targets(db):
    result = lvzhi(db, "eval", str(DEV_SET), "--format", "json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["total"] == 130
    assert scores["verdict_accuracy"] >= 0.92 and scores["lead_accuracy"] >= 0.92
    assert scores["item_at_1"] >= 0.85 and scores["item_at_3"] >= 0.95
    assert scores["unlisted_f1"] >= 0.85


def test_eval_prints_a_table_and_the_misses(db, tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"id": "q1", "text": "想办离婚手续", "verdict": "basic", "items": ["B51"],
                                "lead": "珞璜镇"}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = lvzhi(db, "eval", str(path), "--misses")
    assert result.returncode == 0, result.stderr
    assert "判定准确率" in result.stdout and "混淆矩阵" in result.stdout and "q1" in result.stdout


def test_overlaps_lists_near_duplicates_with_what_tells_them_apart(db):
    result = lvzhi(db, "overlaps", "--format", "json")
    overlaps = json.loads(result.stdout)
    pairs = {frozenset(o["items"]): o for o in overlaps}
    for pair in [("R4", "C19"), ("C42", "R8"), ("B40", "R2"), ("C57", "B77")]:
        assert frozenset(pair) in pairs and pairs[frozenset(pair)]["distinction"]
    found = [o for o in overlaps if not o["written_note"]]
    assert found, "the check must also find overlaps nobody wrote down"
    assert all(o["lists"][0] != o["lists"][1] for o in overlaps)
