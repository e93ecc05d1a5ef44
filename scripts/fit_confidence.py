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
from datetime import date
from pathlib import Path

import jieba
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lvzhi.lists.bundled import bundled_dataset  # noqa: E402
from lvzhi.dispatch.route import FEATURES, features, from_answer  # noqa: E402
from lvzhi.resolve import Resolver  # noqa: E402
from lvzhi.resolve.calibration import (ece, fit_calibrated, folds_of, held_out, junk_texts,  # noqa: E402
                                       predict_logistic, reliability, through)
from lvzhi.resolve.evaluate import Labelled, read_labelled, same_lead  # noqa: E402

DEFAULT_LABELS = ROOT.parent / "shared" / "eval" / "dev-queries.jsonl"
OUTPUT = ROOT / "src" / "lvzhi" / "dispatch" / "confidence.yaml"
KEEP_SHARES = (0.35, 0.5, 0.7)
JUNK = 400
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
        rows.extend((text, "", f"junk{n % 10}") for n, text in enumerate(junk_texts(resolver.dataset, JUNK)))
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


def by_bin(p: np.ndarray, y: np.ndarray) -> list[dict]:
    return [{"from": r["from"], "to": r["to"], "answers": r["count"], "mean_confidence": r["predicted"],
             "right": r["observed"]} for r in reliability(p, y, BINS)]


def calibrated(w: np.ndarray, knots: tuple[list[float], list[float]], x: np.ndarray) -> np.ndarray:
    return through(knots, predict_logistic(w, x))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="?", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--check", action="store_true", help="print the numbers, do not write the data file")
    args = parser.parse_args()
    resolver = Resolver(bundled_dataset())
    labelled = read_labelled(args.labels)
    x, y, groups = examples(resolver, labelled)
    fold = folds_of(groups)
    w, knots = fit_calibrated(x, y, fold, L2)
    p = calibrated(w, knots, x)
    cross = held_out(x, y, fold, L2)
    dev_x, dev_y, _ = examples(resolver, labelled, variants=False, with_junk=False)
    dev_p = calibrated(w, knots, dev_x)
    report = {
        "examples": len(y), "right": int(y.sum()),
        "fit": {"brier": round(float(np.mean((p - y) ** 2)), 4), "ece": round(ece(p, y, BINS), 4), "bins": by_bin(p, y)},
        "held_out": {"brier": round(float(np.mean((cross - y) ** 2)), 4), "ece": round(ece(cross, y, BINS), 4),
                     "bins": by_bin(cross, y)},
        "labelled_as_written": {"answers": len(dev_y), "right": int(dev_y.sum()),
                                "mean_confidence": round(float(dev_p.mean()), 3), "ece": round(ece(dev_p, dev_y, BINS), 4)},
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
