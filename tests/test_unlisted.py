"""P(清单外): the shipped model loads and gives bounded, monotone probabilities; the resolver decides by it; the
fitting code calibrates what it is given; `lvzhi eval` and the API show it. (No test of the fitted numbers: they
move whenever the ranking or the knowledge changes and scripts/fit_unlisted.py is re-run.)"""
from __future__ import annotations

import json

import numpy as np
import pytest

from lvzhi.resolve import Resolver
from lvzhi.resolve.calibration import (Calibrated, brier, ece, fit_calibrated, folds_of, held_out, isotonic,
                                       predict_logistic, reliability, through)
from lvzhi.resolve.calibration import junk_texts
from lvzhi.resolve.unlisted import DECIDE_AT, FEATURES, _shipped, in_words, model, read_model, weak_probability

from helpers import lvzhi

EVAL = "eval/blind-a.jsonl"


@pytest.fixture(scope="module")
def resolver(dataset) -> Resolver:
    return Resolver(dataset)


def test_the_shipped_model_has_the_resolvers_features_and_a_monotone_table():
    calibrated = model()
    assert set(calibrated.weights) == set(FEATURES)
    assert calibrated.model and len(calibrated.model) == len(calibrated.observed)
    assert list(calibrated.model) == sorted(calibrated.model), "isotonic knots in order of the model's output"
    assert list(calibrated.observed) == sorted(calibrated.observed), "the isotonic table never goes down"
    assert all(0.0 <= v <= 1.0 for v in calibrated.observed)


def test_probabilities_are_bounded_and_move_one_way_with_each_feature():
    calibrated = model()
    base = dict(calibrated.mean)
    for name in FEATURES:
        scale = calibrated.scale[name]
        sweep = [calibrated.probability({**base, name: base[name] + k * scale}) for k in np.linspace(-6, 6, 49)]
        assert all(0.0 <= p <= 1.0 for p in sweep), name
        steps = np.diff(sweep)
        assert (steps >= -1e-12).all() or (steps <= 1e-12).all(), f"{name}: the probability turns back"
    extremes = [calibrated.probability({n: base[n] + sign * 50 * calibrated.scale[n] for n in FEATURES})
                for sign in (-1, 1)]
    assert all(0.0 <= p <= 1.0 for p in extremes)


def test_a_model_fitted_on_other_features_is_refused():
    text = _shipped().replace("weak_words:", "another_feature:")
    with pytest.raises(ValueError, match="refit"):
        read_model(text)


def test_every_answer_carries_the_probability_and_the_decision_follows_it(resolver):
    texts = ["我想申请低保", "身份证搞掉了补办要带啥子", "村道上骑摩托车不戴头盔", "想办离婚手续", "路灯坏了好几天了",
             "彩票中了奖去哪兑", "请镇里组织一次无偿献血活动"]
    for text in texts:
        answer = resolver.resolve(text)
        p = answer.unlisted_probability
        assert p is not None and 0.0 <= p <= 1.0
        assert answer.to_dict()["unlisted_probability"] == p
        judged = answer.unlisted
        assert (answer.verdict == "unlisted") == (p >= DECIDE_AT or judged.off_list_wins), (text, p)
    assert resolver.resolve("我想申请低保").unlisted_probability < DECIDE_AT
    assert resolver.resolve("身份证搞掉了补办要带啥子").unlisted_probability >= DECIDE_AT
    assert resolver.resolve("").unlisted_probability is None, "an unusable request is not judged"


def test_a_text_that_shares_next_to_nothing_with_any_item_is_at_least_as_likely_as_such_requests_were(resolver):
    floor = weak_probability()
    assert 0.0 < floor <= 1.0
    weak = 0
    for text in junk_texts(resolver.dataset, 40):
        answer = resolver.resolve(text)
        if answer.error is None and answer.unlisted.features["weak_words"] > 0:
            weak += 1
            assert answer.unlisted_probability >= round(floor, 3) - 1e-9
            assert (answer.verdict == "unlisted") == (floor >= DECIDE_AT or answer.unlisted_probability >= DECIDE_AT
                                                      or answer.unlisted.off_list_wins)
    assert weak >= 10, "character soup and small talk share next to nothing with the items"


def test_officials_read_the_probability_in_words():
    assert "约 97%" in in_words(0.97) and "基本不覆盖" in in_words(0.97)
    assert "请核实" in in_words(0.6)
    assert "覆盖此请求" in in_words(0.02) and "约 2%" in in_words(0.02)


def test_the_fit_calibrates_what_it_is_given():
    """On data whose true probability is known, the cross-validated logistic + isotonic fit observes what it
    predicts, and beats predicting the base rate."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(1200, 3))
    truth = 1 / (1 + np.exp(-(-2.0 + 2.5 * x[:, 0] - 1.0 * x[:, 1] + 0.8 * x[:, 0] ** 3 / 3)))
    y = (rng.random(1200) < truth).astype(float)
    fold = folds_of([str(n) for n in range(len(y))], 5)
    p = held_out(x, y, fold)
    assert ece(p, y) < 0.05
    assert brier(p, y) < brier(np.full(len(y), y.mean()), y)
    rows = reliability(p, y)
    assert sum(r["count"] for r in rows) == len(y)
    w, knots = fit_calibrated(x, y, fold)
    assert list(knots[1]) == sorted(knots[1])
    shipped = Calibrated(float(w[0]), {f"f{n}": float(v) for n, v in enumerate(w[1:])}, tuple(knots[0]),
                         tuple(knots[1]))
    row = {"f0": 0.3, "f1": -0.2, "f2": 1.0}
    assert shipped.probability(row) == pytest.approx(float(through(knots, predict_logistic(w, np.array([[0.3, -0.2, 1.0]])))[0]))


def test_isotonic_pools_what_goes_down():
    xs, ys = isotonic(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.0, 1.0, 0.0, 1.0]))
    assert ys == sorted(ys) and len(xs) == 3, "the middle pair is pooled into one block"


def test_eval_prints_the_reliability_table(tmp_path):
    result = lvzhi(str(tmp_path / "db.sqlite"), "eval", EVAL)
    assert result.returncode == 0, result.stderr
    assert "清单外概率的可靠性" in result.stdout and "实际清单外比例" in result.stdout and "Brier" in result.stdout
    assert "样本内" in result.stdout, "a set the model was fitted on is said to be in-sample"
    data = json.loads(lvzhi(str(tmp_path / "db.sqlite"), "eval", EVAL, "--format", "json").stdout)
    table = data["unlisted_reliability"]
    assert table["requests"] == data["total"] == sum(r["count"] for r in table["bins"])
    assert 0.0 <= table["brier"] <= 1.0


def test_the_cli_json_and_text_show_it(tmp_path):
    database = str(tmp_path / "db.sqlite")
    answer = json.loads(lvzhi(database, "resolve", "身份证搞掉了补办", "--format", "json").stdout)
    assert answer["verdict"] == "unlisted" and answer["unlisted_probability"] >= DECIDE_AT
    assert "清单外判断" in lvzhi(database, "resolve", "身份证搞掉了补办").stdout
