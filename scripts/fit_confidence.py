"""Fits the dispatch confidence (src/lvzhi/dispatch/confidence.yaml) on labelled requests.

    python3 scripts/fit_confidence.py [../shared/eval/dev-queries.jsonl] [--check]

A suggestion is right when its assignee is the one the label implies: the town for a basic or cooperative item,
the labelled department for a reclaimed one. Three kinds of examples are used, every one of them from the labelled
file or made from it deterministically, so a refit gives the same file:
- the labelled requests as written;
- each of them with part of its words left out (short, vague tickets are common on the hotline), same label;
- junk: character and word soup with no meaning, for which any assignee is wrong.
Only suggestions that name an assignee count (the others have confidence 0 and always go to a person).
The weights of a logistic model over `route.FEATURES` are written to the data file with the fit's own numbers
(calibration by bin, Brier score, and the same measured on folds held out of the fit); `--check` only prints them.
"""
from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import jieba
import numpy as np
import yaml
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lvzhi.lists.bundled import bundled_dataset  # noqa: E402
from lvzhi.dispatch.route import FEATURES, features, from_answer  # noqa: E402
from lvzhi.resolve import Resolver  # noqa: E402
from lvzhi.resolve.evaluate import Labelled, read_labelled, same_lead  # noqa: E402

DEFAULT_LABELS = ROOT.parent / "shared" / "eval" / "dev-queries.jsonl"
OUTPUT = ROOT / "src" / "lvzhi" / "dispatch" / "confidence.yaml"
KEEP_SHARES = (0.35, 0.5, 0.7)
JUNK = 400
BOILERPLATE = 40  # the commonest words of the items' titles: 管理、工作、开展、负责…
GENERIC_WORDS = ("你好", "请问", "谢谢", "今天", "我们", "那个", "什么", "一下", "麻烦", "东西", "问题", "情况", "知道",
                 "没有", "时候", "可以", "已经", "还是", "觉得", "事情", "昨天", "手机", "朋友", "吃饭", "天气", "快点",
                 "怎么", "为什么", "不行", "好的", "测试", "看看", "哈哈", "嗯嗯", "喂", "在吗", "123", "abc", "ok")
BINS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
L2 = 0.01


def expected_assignee(case: Labelled, town: str) -> str:
    if case.verdict in ("basic", "cooperative"):
        return town
    return case.lead if case.verdict == "reclaimed" else ""


def degraded(case: Labelled) -> list[str]:
    """The request with part of its words left out, in order; the same every run."""
    words = jieba.lcut(case.text)
    variants = []
    for share in KEEP_SHARES:
        pick = random.Random(f"{case.id}-{share}")
        kept = [w for w in words if pick.random() < share]
        if kept and "".join(kept) != case.text:
            variants.append("".join(kept))
    return variants


def junk(dataset, count: int = JUNK) -> list[str]:
    """Texts that ask nothing: character soup, small talk, and the lists' own boilerplate words strung together."""
    pick = random.Random(16)
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


def requests(resolver: Resolver, labelled: list[Labelled], variants: bool = True,
             with_junk: bool = True) -> list[tuple[str, str, str]]:
    """(text, the right assignee or "" when there is none, group) of every example."""
    town = resolver.town
    rows: list[tuple[str, str, str]] = []
    for case in labelled:
        expected = expected_assignee(case, town)
        rows.append((case.text, expected, case.id))
        if variants:
            rows.extend((text, expected, case.id) for text in degraded(case))
    if with_junk:
        rows.extend((text, "", f"junk{n % 10}") for n, text in enumerate(junk(resolver.dataset)))
    return rows


def examples(resolver: Resolver, labelled: list[Labelled], variants: bool = True,
             with_junk: bool = True) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(features, right, group) of every example whose suggestion names an assignee."""
    town = resolver.town
    x, y, groups = [], [], []
    for text, expected, group in requests(resolver, labelled, variants, with_junk):
        answer = resolver.resolve(text, top=3)
        suggestion = from_answer(answer, town)
        if not suggestion.assignee:
            continue
        values = features(answer, town)
        x.append([values[name] for name in FEATURES])
        y.append(float(bool(expected) and same_lead(suggestion.assignee, expected)))
        groups.append(group)
    return np.array(x), np.array(y), groups


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Intercept and weights of an L2-regularised logistic regression."""
    design = np.hstack([np.ones((len(x), 1)), x])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ w
        p = 1 / (1 + np.exp(-z))
        nll = np.sum(np.logaddexp(0, z) - y * z) / len(y) + L2 * np.sum(w[1:] ** 2)
        grad = design.T @ (p - y) / len(y) + 2 * L2 * np.r_[0, w[1:]]
        return nll, grad

    return minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B").x


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def isotonic(p: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: the non-decreasing map from the model's probability to the share right,
    as knots (the mean probability and share right of each pooled block) to interpolate between."""
    order = np.argsort(p, kind="stable")
    blocks: list[list[float]] = []  # [sum p, sum y, count]
    for n in order:
        blocks.append([p[n], y[n], 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1] = [a + b for a, b in zip(blocks[-1], last)]
    # a block that was always right (or wrong) is not proof of certainty: count one right and one wrong more
    shares = np.maximum.accumulate([(b[1] + 1) / (b[2] + 2) for b in blocks])
    return [round(float(b[0] / b[2]), 4) for b in blocks], [round(float(v), 4) for v in shares]


def calibrated(w: np.ndarray, knots: tuple[list[float], list[float]], x: np.ndarray) -> np.ndarray:
    return np.interp(predict(w, x), knots[0], knots[1])


def by_bin(p: np.ndarray, y: np.ndarray) -> list[dict]:
    rows = []
    for low, high in zip(BINS, BINS[1:]):
        inside = (p >= low) & (p < high)
        if inside.any():
            rows.append({"from": low, "to": min(high, 1.0), "answers": int(inside.sum()),
                         "mean_confidence": round(float(p[inside].mean()), 3), "right": round(float(y[inside].mean()), 3)})
    return rows


def ece(p: np.ndarray, y: np.ndarray) -> float:
    return float(sum(r["answers"] * abs(r["mean_confidence"] - r["right"]) for r in by_bin(p, y)) / len(y))


def held_out(x: np.ndarray, y: np.ndarray, groups: list[str], folds: int = 5) -> np.ndarray:
    """Each example's calibrated probability from a fit without its group (a request and its variants, or junk)."""
    names = sorted(set(groups))
    fold_of = {g: n % folds for n, g in enumerate(random.Random(5).sample(names, len(names)))}
    fold = np.array([fold_of[g] for g in groups])
    p = np.zeros(len(y))
    for k in range(folds):
        train, test = fold != k, fold == k
        w = fit(x[train], y[train])
        p[test] = calibrated(w, isotonic(held_out_logistic(x[train], y[train], fold[train]), y[train]), x[test])
    return p


def held_out_logistic(x: np.ndarray, y: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """The logistic model's probability for each example from a fit on the other folds."""
    p = np.zeros(len(y))
    for k in set(fold.tolist()):
        p[fold == k] = predict(fit(x[fold != k], y[fold != k]), x[fold == k])
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="?", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--check", action="store_true", help="print the numbers, do not write the data file")
    args = parser.parse_args()
    resolver = Resolver(bundled_dataset())
    labelled = read_labelled(args.labels)
    x, y, groups = examples(resolver, labelled)
    w = fit(x, y)
    names = sorted(set(groups))
    fold_of = {g: n % 5 for n, g in enumerate(random.Random(5).sample(names, len(names)))}
    knots = isotonic(held_out_logistic(x, y, np.array([fold_of[g] for g in groups])), y)
    p = calibrated(w, knots, x)
    cross = held_out(x, y, groups)
    dev_x, dev_y, _ = examples(resolver, labelled, variants=False, with_junk=False)
    dev_p = calibrated(w, knots, dev_x)
    report = {
        "examples": len(y), "right": int(y.sum()),
        "fit": {"brier": round(float(np.mean((p - y) ** 2)), 4), "ece": round(ece(p, y), 4), "bins": by_bin(p, y)},
        "held_out": {"brier": round(float(np.mean((cross - y) ** 2)), 4), "ece": round(ece(cross, y), 4),
                     "bins": by_bin(cross, y)},
        "labelled_as_written": {"answers": len(dev_y), "right": int(dev_y.sum()),
                                "mean_confidence": round(float(dev_p.mean()), 3), "ece": round(ece(dev_p, dev_y), 4)},
    }
    print(yaml.safe_dump(report, allow_unicode=True, sort_keys=False))
    if args.check:
        return
    data = {
        "intercept": round(float(w[0]), 4),
        "weights": {name: round(float(v), 4) for name, v in zip(FEATURES, w[1:])},
        "isotonic": {"model": knots[0], "right": knots[1]},
        "review_below": 0.7,
    }
    header = (f"# Dispatch confidence: P(the suggested assignee is right). The logistic model 1 / (1 + exp(-(intercept +\n"
              f"# Σ weight × feature))), features as route.features() reads them off the resolver's answer, is mapped\n"
              f"# through the isotonic knots (model → share right, interpolated), fitted on held-out folds.\n"
              f"# Suggestions below review_below are marked for a person to judge.\n"
              f"# Written by scripts/fit_confidence.py on {args.labels.name} "
              f"({date.today().isoformat()}); do not edit by hand, refit.\n")
    fit_notes = "# " + yaml.safe_dump({"fit_report": report}, allow_unicode=True, sort_keys=False).replace("\n", "\n# ")
    OUTPUT.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110) + fit_notes.rstrip("# ") + "\n",
                      encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
