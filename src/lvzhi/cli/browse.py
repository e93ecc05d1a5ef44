"""`lvzhi` with no command: the bundled lists, browsed in the terminal."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.prompt import Prompt

from ..model import LIST_TITLES, Dataset
from ..search.engine import SearchEngine
from .render import item_panel, item_table, overview

HELP = (
    "输入事项编码（如 B51、C74、R163）查看详情；输入类别名（如 民生服务）或清单名（基本/配合/收回）列出事项；"
    "输入其他文字检索（与 lvzhi search 相同：名称、职责、部门，含同义词）；输入 q 退出。"
)
SHOWN = 50
_LIST_WORDS = {"基本": "basic", "配合": "cooperative", "收回": "reclaimed"}


def answer(dataset: Dataset, query: str, console: Console, engine: SearchEngine | None = None) -> None:
    query = query.strip()
    by_code = dataset.by_code()
    if query.upper() in by_code:
        console.print(item_panel(by_code[query.upper()], dataset.town.name))
        return
    for word, kind in _LIST_WORDS.items():
        if query in (word, LIST_TITLES[kind]):  # type: ignore[index]
            console.print(item_table(dataset.items_of(kind), LIST_TITLES[kind]))  # type: ignore[arg-type]
            return
    in_category = [i for i in dataset.items if i.category == query]
    if in_category:
        console.print(item_table(in_category, f"类别：{query}"))
        return
    # the same search as `lvzhi search`: words, synonyms (违建 → 违法建设), names, duties and departments
    result = (engine or SearchEngine([dataset])).search(query, town=dataset.town.name, limit=SHOWN)
    if result.hits:
        more = f"，列出前 {len(result.hits)} 项" if result.total > len(result.hits) else ""
        console.print(item_table([hit.item for hit in result.hits], f"与“{query}”相关的事项（{result.total} 项{more}）"))
    else:
        console.print(f"没有找到与“{query}”相关的事项。{HELP}")


def browse(dataset: Dataset, console: Console, interactive: bool | None = None) -> None:
    console.print(overview(dataset))
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        console.print(HELP.replace("输入 q 退出。", "") + "示例：lvzhi show C74")
        return
    console.print(HELP)
    engine = SearchEngine([dataset])
    while True:
        try:
            query = Prompt.ask("[bold]查询[/bold]", console=console)
        except (EOFError, KeyboardInterrupt):
            break
        if query.strip().lower() in ("q", "quit", "exit", "退出"):
            break
        if query.strip():
            answer(dataset, query, console, engine)
