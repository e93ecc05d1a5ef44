"""Fits P(清单外) (src/lvzhi/resolve/unlisted.yaml) on the labelled sets, cross-validated.

    python3 scripts/fit_unlisted.py [FILE.jsonl ...] [--check]

By default the labelled sets are ../shared/eval/dev-queries.jsonl and eval/blind-a, -b and -c.jsonl. A
request is positive when its label is `unlisted`. (Made-up texts that ask nothing are not
added: tried, they taught the model that short requests are 清单外 and spoilt its calibration on real ones.) The features are what the resolver computes for every request
(`resolve.unlisted.FEATURES`); the script only reads them, so refit after any change to the ranking or the
knowledge. The fit is deterministic (fixed folds, no randomness elsewhere): the same inputs give the same file.

The model: features standardised, an L2-regularised logistic regression fitted on every request, and an isotonic
table fitted on that regression's out-of-fold outputs; for a request whose best item shares next to nothing with it
in words (word score below `WEAK_WORD_SCORE`), the probability is at least the frequency of 清单外 among such
labelled requests (`weak`). The report (printed, and kept at the end of the data file)
is measured out of fold: every request's probability comes from a model (logistic and isotonic) fitted without its
fold. It gives the reliability table (bins of predicted probability against the observed frequency, with counts),
the Brier score, and what deciding 清单外 at ≥ 0.5 gives on each set. `--check` prints it without writing.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lvzhi.lists.bundled import bundled_dataset  # noqa: E402
from lvzhi.resolve import Resolver  # noqa: E402
from lvzhi.resolve.calibration import (brier, ece, fit_calibrated, folds_of, held_out,  # noqa: E402
                                       reliability)
from lvzhi.resolve.evaluate import read_labelled  # noqa: E402
from lvzhi.resolve.unlisted import DATA_FILE, DECIDE_AT, FEATURES, WEAK_WORD_SCORE, features_of  # noqa: E402

DEFAULT_SETS = (ROOT.parent / "shared" / "eval" / "dev-queries.jsonl", ROOT / "eval" / "blind-a.jsonl",
                ROOT / "eval" / "blind-b.jsonl", ROOT / "eval" / "blind-c.jsonl")
OUTPUT = ROOT / "src" / "lvzhi" / "resolve" / DATA_FILE
FOLDS = 10
L2 = 0.003


def examples(resolver: Resolver, paths: list[Path]) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """(features, unlisted or not, request id, set name) of every labelled request."""
    rows = [(case.text, case.verdict == "unlisted", f"{path.stem}:{case.id}", path.stem)
            for path in paths for case in read_labelled(path)]
    x = [[features_of(resolver, text)[name] for name in FEATURES] for text, _, _, _ in rows]
    return (np.array(x, dtype=float), np.array([float(r[1]) for r in rows]), [r[2] for r in rows],
            [r[3] for r in rows])


def weak_share(y: np.ndarray, weak: np.ndarray) -> tuple[int, int, float]:
    """清单外 among the requests the best item shares next to nothing with in words: (清单外, requests, the
    frequency with one 清单外 and one not counted more, so that a handful of requests does not claim certainty)."""
    unlisted, requests = int(y[weak].sum()), int(weak.sum())
    return unlisted, requests, (unlisted + 1) / (requests + 2)


def with_weak(p: np.ndarray, weak: np.ndarray, floor: float) -> np.ndarray:
    return np.where(weak, np.maximum(p, floor), p)


def held_out_with_weak(z: np.ndarray, y: np.ndarray, fold: np.ndarray, weak: np.ndarray) -> np.ndarray:
    """Out of fold, as the resolver computes it: the calibrated model, and the weak floor from the other folds."""
    p = held_out(z, y, fold, L2)
    for k in sorted(set(fold.tolist())):
        train, test = fold != k, fold == k
        p[test] = with_weak(p[test], weak[test], weak_share(y[train], weak[train])[2])
    return p


def decisions(p: np.ndarray, y: np.ndarray) -> dict:
    """What deciding 清单外 at p ≥ DECIDE_AT gives (the probability alone, before the clear-topic rule)."""
    said = p >= DECIDE_AT
    tp, fp, fn = int((said & (y == 1)).sum()), int((said & (y == 0)).sum()), int((~said & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"requests": len(y), "unlisted": int(y.sum()), "precision": round(precision, 3),
            "recall": round(recall, 3), "f1": round(f1, 3)}


def report(p: np.ndarray, y: np.ndarray, sets: list[str]) -> dict:
    where = np.array(sets)
    names = list(dict.fromkeys(sets))
    return {
        "requests": len(y), "unlisted": int(y.sum()), "folds": FOLDS,
        "brier": round(brier(p, y), 4), "brier_of_base_rate": round(brier(np.full(len(y), y.mean()), y), 4),
        "ece": round(ece(p, y), 4),
        "reliability": reliability(p, y),
        "decide_at_0_5": {name: decisions(p[where == name], y[where == name]) for name in names},
    }


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def print_table(numbers: dict) -> None:
    print(f"out-of-fold over {numbers['requests']} requests ({numbers['unlisted']} 清单外), {numbers['folds']} folds: "
          f"Brier {numbers['brier']:.4f} (base rate alone {numbers['brier_of_base_rate']:.4f}), "
          f"ECE {numbers['ece']:.4f}")
    print(f"{'bin':<12}{'count':>7}{'predicted':>11}{'observed':>10}")
    for row in numbers["reliability"]:
        print(f"{row['from']:.1f}–{row['to']:.1f}{'':<5}{row['count']:>7}{row['predicted']:>11.3f}"
              f"{row['observed']:>10.3f}")
    for name, d in numbers["decide_at_0_5"].items():
        print(f"decide at ≥ {DECIDE_AT} on {name}: precision {d['precision']:.3f}, recall {d['recall']:.3f}, "
              f"F1 {d['f1']:.3f} ({d['unlisted']} 清单外 of {d['requests']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=list(DEFAULT_SETS))
    parser.add_argument("--check", action="store_true", help="print the numbers, do not write the data file")
    args = parser.parse_args()
    resolver = Resolver(bundled_dataset())
    x, y, ids, sets = examples(resolver, args.sets)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    fold = folds_of(ids, FOLDS)
    w, knots = fit_calibrated(z, y, fold, L2)
    weak = x[:, FEATURES.index("weak_words")] > 0
    numbers = report(held_out_with_weak(z, y, fold, weak), y, sets)
    print_table(numbers)
    if args.check:
        return
    data = {
        "fitted": date.today().isoformat(),
        "commit": commit(),
        "sets": [f"{p.name} ({sum(1 for s in sets if s == p.stem)})" for p in args.sets],
        "features": list(FEATURES),
        "mean": {n: round(float(v), 6) for n, v in zip(FEATURES, mean)},
        "scale": {n: round(float(v), 6) for n, v in zip(FEATURES, scale)},
        "intercept": round(float(w[0]), 6),
        "weights": {n: round(float(v), 6) for n, v in zip(FEATURES, w[1:])},
        "isotonic": {"model": knots[0], "observed": knots[1]},
        "weak": dict(zip(("below_word_score", "unlisted", "requests", "probability"),
                         (WEAK_WORD_SCORE, *weak_share(y, weak)[:2], round(weak_share(y, weak)[2], 4)))),
        "out_of_fold": numbers,
    }
    header = ("# P(清单外): the probability that no item covers a request. Features (resolve/unlisted.py) are\n"
              "# standardised with mean and scale, weighed by the logistic model 1 / (1 + exp(-(intercept + Σ weight ×\n"
              "# feature))), and mapped through the isotonic knots (model → observed frequency, interpolated), which were\n"
              "# fitted on the model's out-of-fold outputs. `out_of_fold` is the fit's own report, measured on folds held\n"
              "# out of the fit. Written by scripts/fit_unlisted.py; do not edit by hand: refit.\n")
    OUTPUT.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None,
                                              width=110), encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
