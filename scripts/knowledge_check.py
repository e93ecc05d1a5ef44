"""Leave-one-out over the knowledge itself: how well each item's phrasings find it when left out.

    python3 scripts/knowledge_check.py [--fields residents,tasks] [--items B1,C57] [--misses] [--format json]

Every phrasing of an item (residents' words, departments' wordings) is resolved by a resolver built without it (in
folds: fold j leaves out the j-th phrasing of every item; see lvzhi.resolve.knowledge_check). Prints, overall, per
list of phrasings, per list and per category: the share whose own item comes first (own@1), whose own item or one of
its named siblings comes first, and whose verdict is right; then the commonest confusions (item → the item its
phrasings went to) and the items whose phrasings find them least. No labelled request is used. About a minute.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lvzhi.lists.bundled import bundled_dataset  # noqa: E402
from lvzhi.resolve.knowledge_check import FIELDS, check, summary  # noqa: E402


def _table(title: str, rows: dict) -> None:
    print(f"\n{title}")
    print(f"  {'':24} {'条数':>6} {'own@1':>7} {'含兄弟':>7} {'判定':>7}")
    for key, t in rows.items():
        print(f"  {key:24} {t['phrasings']:>6} {t['own_at_1']:>7.3f} {t['own_or_sibling_at_1']:>7.3f} {t['verdict']:>7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", default=",".join(FIELDS), help="lists of phrasings: residents,tasks,words")
    parser.add_argument("--items", default="", help="only these items (codes, comma-separated)")
    parser.add_argument("--misses", action="store_true", help="list every phrasing whose own item did not come first")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--in-sample", action="store_true",
                        help="also resolve every phrasing with all of them in the index (what is missed even so)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args()
    dataset = bundled_dataset()
    started = time.perf_counter()
    fields = tuple(f for f in args.fields.split(",") if f)
    codes = [c for c in args.items.split(",") if c] or None
    outcomes = check(dataset, fields=fields, codes=codes)
    report = summary(outcomes, dataset, args.top)
    if args.in_sample:
        inside = check(dataset, fields=fields, codes=codes, leave_out=False)
        report["in_sample"] = summary(inside, dataset, args.top)["overall"]["all"]
        report["in_sample_misses"] = [{"item": o.probe.code, "text": o.probe.text, "first": o.first,
                                       "verdict": o.verdict} for o in inside if not (o.own and o.verdict_right)]
    if args.format == "json":
        misses = [{"item": o.probe.code, "field": o.probe.field, "text": o.probe.text, "first": o.first,
                   "verdict": o.verdict} for o in outcomes if not o.own] if args.misses else []
        print(json.dumps({**report, "misses": misses}, ensure_ascii=False, indent=1))
        return
    for name in ("overall", "field", "list", "category"):
        _table(name, report[name])
    if args.in_sample:
        _table("in sample (every phrasing in the index)", {"all": report["in_sample"]})
        for m in report["in_sample_misses"]:
            print(f"  {m['item']:>5} {m['text']} → {m['first']} ({m['verdict']})")
    print("\n最常见的错向（事项 → 它的说法被判给的事项）")
    for c in report["confusions"]:
        print(f"  {c['item']:>5} → {c['went_to']:<6} {c['phrasings']}")
    print("\n说法最找不回自己的事项")
    for n in report["narrowest"]:
        print(f"  {n['item']:>5} {n['phrasings']:>3} 条 own@1 {n['own_at_1']:.2f} 判定 {n['verdict']:.2f}")
    if args.misses:
        print("\n错判的说法")
        for o in outcomes:
            if not o.own:
                print(f"  {o.probe.code:>5} {o.probe.field:9} {o.probe.text} → {o.first} ({o.verdict})")
    print(f"\n{len(outcomes)} 条说法，{time.perf_counter() - started:.0f} 秒")


if __name__ == "__main__":
    main()
