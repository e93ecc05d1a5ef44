"""Dispatch confidence is a calibrated probability that the suggested assignee is right (issue 16, item 4)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.dispatch.route import FEATURES, calibration, suggest
from lvzhi.resolve import Resolver
from lvzhi.resolve.evaluate import read_labelled, same_lead

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval" / "dev-queries.jsonl"
# texts with no real request in them that the resolver still matches to some item
JUNK = ["我要投诉", "喂喂喂在吗在吗", "测试一下看看行不行", "啊这个那个什么东西", "管理工作开展负责", "镇里村里社区",
        "服务中心办公室", "abc123你好谢谢", "快点处理一下谢谢了", "有个问题想问一下"]


def _script():
    spec = importlib.util.spec_from_file_location("fit_confidence", ROOT / "scripts" / "fit_confidence.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def resolver():
    return Resolver(bundled_dataset())


@pytest.fixture(scope="module")
def answered(resolver):
    """(as written, confidence, right) of every suggestion with an assignee on the set the script fits: the labelled
    requests as written, with part of their words left out, and junk; as the shipped confidence.yaml gives them."""
    if not SHARED_EVAL.exists():
        pytest.skip(f"没有标注文件 {SHARED_EVAL}")
    fit = _script()
    labelled = read_labelled(SHARED_EVAL)
    written = {case.text for case in labelled}
    rows = []
    for text, expected, _ in fit.requests(resolver, labelled):
        s = suggest(resolver, text)
        if s.assignee:
            rows.append((text in written, s.confidence, bool(expected) and same_lead(s.assignee, expected)))
    return rows


def test_the_data_file_has_a_weight_for_every_feature_and_monotone_knots():
    c = calibration()
    assert set(c.weights) == set(FEATURES)
    assert list(c.model) == sorted(c.model) and list(c.right) == sorted(c.right)
    assert 0 < c.right[0] and c.right[-1] < 1, "no suggestion is ever certain"


def test_answers_given_a_confidence_are_right_that_often(answered):
    bins = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]
    seen = 0
    for low, high in bins:
        inside = [(c, ok) for _, c, ok in answered if low <= c < high]
        if len(inside) < 15:
            continue
        seen += 1
        mean = sum(c for c, _ in inside) / len(inside)
        right = sum(ok for _, ok in inside) / len(inside)
        tolerance = max(0.08, 2 * (mean * (1 - mean) / len(inside)) ** 0.5)  # two standard errors of the share
        assert abs(mean - right) <= tolerance, (low, high, len(inside), mean, right)
    assert seen >= 3, "the labelled set spreads over several confidence bands"
    band = [ok for _, c, ok in answered if 0.8 <= c < 0.9]
    assert 0.7 <= sum(band) / len(band) <= 1.0, "of answers given 0.8–0.9, about 80–90% are right"
    expected = sum(c for _, c, _ in answered) / len(answered)
    assert abs(expected - sum(ok for *_, ok in answered) / len(answered)) <= 0.03, "as many right as promised"


def test_on_the_requests_as_written_confidence_matches_accuracy_and_right_answers_are_sure(answered):
    written = [(c, ok) for first, c, ok in answered if first]
    accuracy = sum(ok for _, ok in written) / len(written)
    mean = sum(c for c, _ in written) / len(written)
    assert abs(mean - accuracy) <= 0.05, (mean, accuracy)
    right = [c for c, ok in written if ok]
    assert sum(c >= calibration().review_below for c in right) / len(right) >= 0.9, \
        "a right answer is not sent to a person for want of confidence"


@pytest.mark.parametrize("text", JUNK)
def test_junk_text_gets_low_confidence_and_a_person(resolver, text):
    s = suggest(resolver, text)
    assert s.confidence < calibration().review_below and s.needs_person, (s.item, s.confidence)


def test_clear_requests_are_sure_and_unlisted_ones_have_nothing_to_be_sure_of(resolver):
    for text in ("我家生活困难，想申请低保，去哪里办", "园区里珞城实业公司修的路坑坑洼洼，一直没人管",
                 "我们小区附近的KTV晚上接待未成年人进去唱歌"):
        s = suggest(resolver, text)
        assert s.confidence >= 0.85 and not s.needs_person, (text, s.confidence)
    unlisted = suggest(resolver, "我想办理结婚登记，去哪里办")
    assert (unlisted.assignee, unlisted.confidence, unlisted.needs_person) == ("", 0.0, True)
