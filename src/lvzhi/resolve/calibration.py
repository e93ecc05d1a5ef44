"""Calibrated probabilities: a logistic model over a few numbers, mapped through an isotonic table.

The shipped models (dispatch confidence, P(清单外)) are reviewable data files with a logistic model's intercept and
weights and the isotonic knots that turn its output into observed frequencies. `Calibrated` evaluates one; the
fitting functions (L2 logistic regression, pool-adjacent-violators, cross-validated folds, the reliability table
and Brier score) are what the fit scripts in scripts/ and `lvzhi eval` share.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

# Reliability bins of predicted probability (the last one includes 1.0).
BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


@dataclass(frozen=True)
class Calibrated:
    """1 / (1 + exp(-(intercept + Σ weight × (value − mean) / scale))), then the isotonic knots (interpolated)."""

    intercept: float
    weights: Mapping[str, float]
    model: tuple[float, ...] = ()  # isotonic knots: the logistic model's output …
    observed: tuple[float, ...] = ()  # … and the frequency observed there
    mean: Mapping[str, float] | None = None
    scale: Mapping[str, float] | None = None

    def logistic(self, values: Mapping[str, float]) -> float:
        z = self.intercept
        for name, weight in self.weights.items():
            value = values[name]
            if self.mean is not None:
                value = (value - self.mean.get(name, 0.0)) / (self.scale or {}).get(name, 1.0)
            z += weight * value
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def probability(self, values: Mapping[str, float]) -> float:
        logistic = self.logistic(values)
        if not self.model:
            return logistic
        return float(min(1.0, max(0.0, np.interp(logistic, self.model, self.observed))))


# -- fitting ------------------------------------------------------------------------------------------

def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.01) -> np.ndarray:
    """Intercept and weights of an L2-regularised logistic regression (the intercept is not penalised)."""
    from scipy.optimize import minimize

    design = np.hstack([np.ones((len(x), 1)), x])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ w
        p = 1 / (1 + np.exp(-z))
        nll = np.sum(np.logaddexp(0, z) - y * z) / len(y) + l2 * np.sum(w[1:] ** 2)
        grad = design.T @ (p - y) / len(y) + 2 * l2 * np.r_[0, w[1:]]
        return nll, grad

    return minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B").x


def predict_logistic(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def isotonic(p: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: the non-decreasing map from the model's probability to the observed frequency,
    as knots (the mean probability and frequency of each pooled block) to interpolate between. A block that was
    always 1 (or 0) is not proof of certainty: it counts one 1 and one 0 more."""
    order = np.argsort(p, kind="stable")
    blocks: list[list[float]] = []  # [sum p, sum y, count]
    for n in order:
        blocks.append([p[n], y[n], 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1] = [a + b for a, b in zip(blocks[-1], last)]
    shares = np.maximum.accumulate([(b[1] + 1) / (b[2] + 2) for b in blocks])
    return [round(float(b[0] / b[2]), 4) for b in blocks], [round(float(v), 4) for v in shares]


def through(knots: tuple[Sequence[float], Sequence[float]], p: np.ndarray) -> np.ndarray:
    return np.interp(p, knots[0], knots[1])


def folds_of(groups: Sequence[str], folds: int = 5, seed: int = 5) -> np.ndarray:
    """A fold number per example, the same for every example of a group, the same every run."""
    names = sorted(set(groups))
    fold_of = {g: n % folds for n, g in enumerate(random.Random(seed).sample(names, len(names)))}
    return np.array([fold_of[g] for g in groups])


def held_out_logistic(x: np.ndarray, y: np.ndarray, fold: np.ndarray, l2: float = 0.01) -> np.ndarray:
    """The logistic model's output for each example from a fit on the other folds."""
    p = np.zeros(len(y))
    for k in sorted(set(fold.tolist())):
        p[fold == k] = predict_logistic(fit_logistic(x[fold != k], y[fold != k], l2), x[fold == k])
    return p


def fit_calibrated(x: np.ndarray, y: np.ndarray, fold: np.ndarray,
                   l2: float = 0.01) -> tuple[np.ndarray, tuple[list[float], list[float]]]:
    """Logistic weights fitted on every example, and the isotonic knots fitted on its held-out outputs (so the
    table maps what the model says of requests it has not seen to what was observed)."""
    return fit_logistic(x, y, l2), isotonic(held_out_logistic(x, y, fold, l2), y)


def held_out(x: np.ndarray, y: np.ndarray, fold: np.ndarray, l2: float = 0.01) -> np.ndarray:
    """Each example's calibrated probability from a fit (logistic and isotonic) that never saw its fold."""
    p = np.zeros(len(y))
    for k in sorted(set(fold.tolist())):
        train, test = fold != k, fold == k
        w, knots = fit_calibrated(x[train], y[train], fold[train], l2)  # the other folds, as inner folds
        p[test] = through(knots, predict_logistic(w, x[test]))
    return p


# -- examples that ask nothing ------------------------------------------------------------------------

BOILERPLATE = 40  # the commonest words of the items' titles: 管理、工作、开展、负责…
GENERIC_WORDS = ("你好", "请问", "谢谢", "今天", "我们", "那个", "什么", "一下", "麻烦", "东西", "问题", "情况", "知道",
                 "没有", "时候", "可以", "已经", "还是", "觉得", "事情", "昨天", "手机", "朋友", "吃饭", "天气", "快点",
                 "怎么", "为什么", "不行", "好的", "测试", "看看", "哈哈", "嗯嗯", "喂", "在吗", "123", "abc", "ok")


def junk_texts(dataset, count: int, seed: int = 16) -> list[str]:
    """Texts that ask nothing, the same every run: character soup, small talk, and the lists' own boilerplate
    words strung together."""
    import jieba

    pick = random.Random(seed)
    characters = sorted({c for item in dataset.items for c in item.title if "\u4e00" <= c <= "\u9fff"})
    frequency = Counter(w for item in dataset.items for w in set(jieba.lcut(item.title)) if len(w) > 1)
    boilerplate = sorted(w for w, _ in frequency.most_common(BOILERPLATE))
    texts = []
    for n in range(count):
        if n % 4 == 0:
            texts.append("".join(pick.choice(characters) for _ in range(pick.randint(3, 30))))
        elif n % 4 == 1:
            texts.append("".join(pick.choice(GENERIC_WORDS) for _ in range(pick.randint(1, 8))))
        elif n % 4 == 2:
            texts.append("".join(pick.choice(boilerplate) for _ in range(pick.randint(1, 6))))
        else:
            texts.append("".join(pick.choice(GENERIC_WORDS) if pick.random() < 0.5 else pick.choice(characters)
                                 for _ in range(pick.randint(2, 16))))
    return texts


# -- judging ------------------------------------------------------------------------------------------

def reliability(p: Sequence[float], y: Sequence[float], bins: Sequence[float] = BINS) -> list[dict]:
    """Per bin of predicted probability: how many, the mean prediction, and the observed frequency."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    rows = []
    for low, high in zip(bins, bins[1:]):
        inside = (p >= low) & (p < high)
        if inside.any():
            rows.append({"from": low, "to": min(high, 1.0), "count": int(inside.sum()),
                         "predicted": round(float(p[inside].mean()), 3), "observed": round(float(y[inside].mean()), 3)})
    return rows


def brier(p: Sequence[float], y: Sequence[float]) -> float:
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean((p - y) ** 2)) if len(p) else 0.0


def ece(p: Sequence[float], y: Sequence[float], bins: Sequence[float] = BINS) -> float:
    """Expected calibration error: the count-weighted gap between prediction and observation per bin."""
    rows = reliability(p, y, bins)
    total = sum(r["count"] for r in rows)
    return float(sum(r["count"] * abs(r["predicted"] - r["observed"]) for r in rows) / total) if total else 0.0
