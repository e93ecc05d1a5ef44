"""How a resolver answer and an evaluation look in the terminal."""
from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..resolve import VERDICT_WORDS, Answer
from ..resolve.evaluate import Scores
from ..resolve.unlisted import in_words
from ..vocab import VERDICT_LABELS, VERDICTS

VERDICT_STYLES = {"basic": "green", "cooperative": "cyan", "reclaimed": "yellow", "abolished": "magenta",
                  "unlisted": "red"}


def _numbered(lines: list[str]) -> Text:
    return Text("\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1)))


def contacts_text(guide: dict) -> Text:
    """Who handles it and how to reach them (from the directory of bodies), then the 12345 hotline."""
    text = Text("找谁办：", style="bold")
    text.append(guide["summary"])
    for contact in [*guide["contacts"], {**guide["hotline"], "role": "兜底"}]:
        facts = [f"{label}：{contact[field]}" for field, label in (("phone", "电话"), ("address", "地址"),
                                                                    ("hours", "办公时间"), ("website", "网站"),
                                                                    ("note", "备注")) if contact.get(field)]
        text.append(f"\n· {contact['name']}", style="bold")
        text.append(f"（{contact['role']}）" if contact.get("role") else "")
        text.append("：" + "；".join(facts) if facts else "：单位名录中尚无其联系方式")
    return text


def answer_panel(answer: Answer, guide: dict | None = None) -> Panel:
    parts: list = []
    if answer.error:
        return Panel(Text(answer.error, style="red"), title="无法判断", border_style="red")
    style = VERDICT_STYLES[answer.verdict]
    head = Text()
    head.append("判定：", style="bold")
    head.append(VERDICT_WORDS[answer.verdict], style=f"bold {style}")
    if answer.lead:
        head.append("\n牵头/负责：", style="bold")
        head.append(answer.lead)
    if answer.handled_elsewhere_by:
        head.append("\n通常办理单位：", style="bold")
        head.append(answer.handled_elsewhere_by)
    if answer.item:
        head.append("\n事项：", style="bold")
        head.append(f"{answer.item.code} {answer.item.title}")
    parts.append(head)
    if answer.verdict == "cooperative":
        table = Table(expand=True, show_lines=False)
        table.add_column(f"{answer.lead}的职责")
        table.add_column("镇配合职责（镇只做这些）")
        table.add_row(_numbered(answer.department_part), _numbered(answer.town_part))
        parts.append(table)
    elif answer.verdict == "reclaimed":
        parts.append(Text("承接部门的工作方式：", style="bold"))
        parts.append(_numbered(answer.handler_methods))
    parts.append(Text("理由：", style="bold") + Text(answer.explanation))
    if answer.unlisted is not None:
        parts.append(Text("清单外判断：", style="bold") + Text(in_words(answer.unlisted.probability)))
    if guide is not None:
        parts.append(contacts_text(guide))
    if answer.question is not None:
        choices = "；".join(f"{label}→{_brief(answer.question.answers[value])}" for value, label in ((True, "是"), (False, "否")))
        parts.append(Text("需要确认：", style="bold yellow") + Text(f"{answer.question.text}（{choices}；"
                                                                    "用 --answer 是 或 --answer 否 重新判定）"))
    others = [c for c in answer.candidates if not answer.item or c.item.code != answer.item.code]
    if others:
        lines = "\n".join(f"{c.item.code} {c.item.title[:40]}（得分 {c.score:.1f}）" for c in others)
        parts.append(Text("其他可能的事项：\n", style="dim") + Text(lines, style="dim"))
    return Panel(Group(*parts), title="这件事归谁管？", border_style=style)


def _brief(answer) -> str:
    who = answer.lead or answer.handled_elsewhere_by
    return VERDICT_LABELS[answer.verdict] + (f"·{who}" if who else "") + (f"（{answer.item.code}）" if answer.item else "")


def scores_table(scores: Scores) -> Group:
    metrics = Table(title=f"评测结果（{scores.total} 条）")
    metrics.add_column("指标")
    metrics.add_column("数值", justify="right")
    rows = [
        ("判定准确率 verdict", scores.verdict_accuracy),
        ("牵头单位准确率 lead", scores.lead_accuracy),
        (f"事项 item@1（{scores.listed} 条清单内）", scores.item_at_1_rate),
        ("事项 item@3", scores.item_at_3_rate),
        ("清单外 precision", scores.unlisted_precision),
        ("清单外 recall", scores.unlisted_recall),
        ("清单外 F1", scores.unlisted_f1),
    ]
    kinds = {"citizen": "群众诉求", "task": "部门交办"}
    for kind, (n, right) in sorted(scores.by_kind.items()):
        rows.append((f"判定准确率·{kinds.get(kind, kind)}（{n} 条）", right / n if n else 0.0))
    for name, value in rows:
        metrics.add_row(name, f"{value:.3f}")
    confusion = Table(title="判定混淆矩阵（行：标注，列：系统）")
    confusion.add_column("")
    for verdict in VERDICTS:
        confusion.add_column(verdict, justify="right")
    for expected in VERDICTS:
        confusion.add_row(expected, *(str(scores.confusion.get((expected, got), 0)) for got in VERDICTS))
    return Group(metrics, confusion, reliability_table(scores.unlisted_reliability()))


def reliability_table(numbers: dict) -> Table:
    """P(清单外) against what the labels say, bin by bin: a calibrated probability observes what it predicts."""
    table = Table(title=f"清单外概率的可靠性（{numbers['requests']} 条，Brier {numbers['brier']:.4f}）")
    for column in ("预测概率区间", "条数", "平均预测", "实际清单外比例"):
        table.add_column(column, justify="right")
    for row in numbers["bins"]:
        table.add_row(f"{row['from']:.1f}–{row['to']:.1f}", str(row["count"]), f"{row['predicted']:.3f}",
                      f"{row['observed']:.3f}")
    return table


def misses_table(scores: Scores) -> Table:
    table = Table(title=f"未答对的 {len(scores.misses)} 条")
    for column in ("id", "标注", "系统", "请求"):
        table.add_column(column)
    for miss in scores.misses:
        expected = f"{miss.labelled.verdict} {'/'.join(miss.labelled.items)} {miss.labelled.lead}"
        codes = "/".join(c.item.code for c in miss.answer.candidates[:3])
        got = f"{miss.answer.verdict} {codes} {miss.answer.lead}"
        table.add_row(miss.labelled.id, expected, got, miss.labelled.text[:40])
    return table


def overlaps_table(overlaps, town: str) -> Table:
    table = Table(title=f"{town}：不同清单间内容相近的事项（{len(overlaps)} 对）", show_lines=True)
    for column in ("事项", "相似度", "共同词", "区分依据"):
        table.add_column(column)
    for overlap in overlaps:
        pair = f"{overlap.first.code} {overlap.first.title[:24]}\n{overlap.second.code} {overlap.second.title[:24]}"
        style = None if overlap.distinguishable else "red"
        table.add_row(pair, f"{overlap.similarity:.2f}", "、".join(overlap.shared[:6]), overlap.distinction(),
                      style=style)
    return table
