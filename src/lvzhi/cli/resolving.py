"""Commands that answer "这件事归谁管？": resolve, eval, overlaps."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Iterator, Optional, TextIO

import typer

from ..resolve import Resolver
from ..resolve.answer import failed
from ..resolve.evaluate import LabelError, evaluate, read_labelled
from ..resolve.overlaps import find_overlaps
from ..resolve.unlisted import fitted_on
from ..work.services import Services
from .answers import answer_panel, misses_table, scores_table
from .app import TOWN_HELP, Failure, app, console, open_catalog, town_of

FORMATS = ("text", "json", "jsonl")


def load_resolver(ctx: typer.Context, town: Optional[str], on: Optional[date] = None) -> Resolver:
    """The resolver over the town's lists in force on `on` (today)."""
    lists = open_catalog(ctx)
    return lists.resolver(town_of(lists, town), on=on)


def _requests(stream: TextIO, source: str) -> Iterator[tuple[Optional[str], object, Optional[str]]]:
    """(id, text, problem) for every non-empty line of a JSON-lines input."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            yield None, None, f"{source} 第 {number} 行不是有效的 JSON"
            continue
        if not isinstance(data, dict):
            yield None, None, f"{source} 第 {number} 行应为 JSON 对象（含 id 和 text）"
            continue
        request_id = data.get("id")
        request_id = None if request_id is None else str(request_id)
        if "text" not in data:
            yield request_id, None, f"{source} 第 {number} 行缺少 text 字段"
            continue
        yield request_id, data["text"], None


def _open_input(path: str) -> tuple[TextIO, str]:
    if path == "-":
        return sys.stdin, "标准输入"
    try:
        return open(path, encoding="utf-8-sig"), path
    except FileNotFoundError:
        raise Failure(f"找不到输入文件 {path}") from None
    except OSError as exc:
        raise Failure(f"无法读取输入文件 {path}：{exc.strerror or exc}") from None


@app.command("resolve")
def resolve_command(
    ctx: typer.Context,
    text: Optional[str] = typer.Argument(None, help="一条诉求或通知的文字"),
    input_file: Optional[str] = typer.Option(None, "--input", help="JSON lines 文件（每行含 id 和 text），- 表示标准输入"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
    top: int = typer.Option(3, "--top", min=1, max=20, help="列出的候选事项数"),
    fmt: Optional[str] = typer.Option(None, "--format", help="text、json 或 jsonl（--input 时默认 jsonl）"),
    reply: Optional[str] = typer.Option(None, "--answer", help="对追问（“需要确认”）的回答：是 或 否"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="按某日生效的清单版本回答，YYYY-MM-DD；缺省为今天"),
) -> None:
    """这件事归谁管？判断一条诉求属于哪张清单的哪个事项、谁牵头、镇做什么。"""
    if (text is None) == (input_file is None):
        raise Failure("请给出一条诉求文字，或用 --input 指定 JSON lines 文件（二者选一）")
    fmt = fmt or ("jsonl" if input_file else "text")
    if fmt not in FORMATS:
        raise Failure(f"不支持的输出格式“{fmt}”，可选：{'、'.join(FORMATS)}")
    if reply not in (None, "是", "否"):
        raise Failure("--answer 只能是“是”或“否”")
    resolver = load_resolver(ctx, town, _on(as_of))
    lists = open_catalog(ctx)
    name = town_of(lists, town)
    directory = Services.over(lists).directory.for_town(name)
    if text is not None:
        answer = resolver.resolve(text, top=top)
        if reply and answer.question is not None:
            answer = resolver.resolve(text, top=top, assume={answer.question.text: reply == "是"})
        if fmt == "text":
            console.print(answer_panel(answer, directory.guide(name, answer)))
            return
        _print(answer, fmt, directory.guide(name, answer))
        return
    stream, source = _open_input(input_file)
    try:
        for request_id, request_text, problem in _requests(stream, source):
            answer = failed(problem, request_id) if problem else resolver.resolve(request_text, request_id, top)
            _print(answer, fmt, None if answer.error else directory.guide(name, answer))
    except UnicodeDecodeError:
        raise Failure(f"{source} 不是 UTF-8 编码，请先转换为 UTF-8") from None
    finally:
        if stream is not sys.stdin:
            stream.close()


def _on(text: Optional[str]) -> Optional[date]:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Failure(f"日期“{text}”格式不对，应为 YYYY-MM-DD，例如 2027-01-01") from None


def _print(answer, fmt: str, guide: dict | None = None) -> None:
    """One answer; in JSON with `for_residents` (whom to contact, as the API gives it) unless it is an error row."""
    if fmt == "text":
        console.print(answer_panel(answer, guide))
        return
    data = answer.to_dict()
    if guide is not None:
        data["for_residents"] = guide
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="标注好的 JSON lines 文件（id、text、verdict、items、lead）"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
    misses: bool = typer.Option(False, "--misses", help="列出未答对的请求"),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """用标注好的请求评测归属判定：判定、牵头单位、item@1/@3、清单外 P/R/F1 和混淆矩阵。"""
    try:
        labelled = read_labelled(file)
    except LabelError as exc:
        raise Failure(str(exc)) from None
    if not labelled:
        raise Failure(f"评测文件 {file} 中没有任何请求")
    scores = evaluate(load_resolver(ctx, town), labelled)
    if fmt == "json":
        sys.stdout.write(json.dumps(scores.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    console.print(scores_table(scores))
    if file.name in fitted_on():
        console.print(f"注：清单外概率模型拟合时用过 {file.name}，上表为样本内数字，偏乐观；"
                      "交叉验证（样本外）的可靠性见 src/lvzhi/resolve/unlisted.yaml 的 out_of_fold。")
    if misses:
        console.print(misses_table(scores))


@app.command("overlaps")
def overlaps_command(
    ctx: typer.Context,
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """列出不同清单之间内容相近的事项对，以及区分它们的依据（供清单维护部门核查）。"""
    resolver = load_resolver(ctx, town)
    overlaps = find_overlaps(resolver)
    if fmt == "json":
        sys.stdout.write(json.dumps([o.to_dict() for o in overlaps], ensure_ascii=False, indent=2) + "\n")
        return
    from .answers import overlaps_table

    console.print(overlaps_table(overlaps, resolver.town))
