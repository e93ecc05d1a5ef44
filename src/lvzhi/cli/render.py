"""How items and lists look in a terminal (Rich)."""
from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model import LIST_KINDS, LIST_SHORT_NAMES, LIST_TITLES, Dataset, Item
from ..formats.cells import format_departments, numbered


def _points(points: list[str]) -> Text:
    return Text("\n".join(numbered(points)))


def _duty_groups(item: Item) -> Text:
    text = Text()
    for index, group in enumerate(item.department_duties):
        if index:
            text.append("\n")
        text.append(format_departments(group.departments) + "：\n", style="bold")
        text.append("\n".join(numbered(group.duties)))
    return text


def item_panel(item: Item, town: str) -> Panel:
    header = Text()
    header.append(f"{item.code}  ", style="bold cyan")
    header.append(item.title, style="bold")
    header.append(f"\n{LIST_TITLES[item.list]} · {item.category} · 第 {item.number} 项", style="dim")
    parts: list = [header]
    if item.list == "basic":
        parts.append(Text(f"\n由{town}履行（基本履职事项）。", style="green"))
    elif item.list == "cooperative":
        parts.append(Text(f"\n牵头部门：{format_departments(item.departments)}；{town}配合，只做下列镇配合职责。", style="yellow"))
        sides = Table(show_lines=False, expand=True, box=None, padding=(0, 2))
        sides.add_column("上级部门职责", ratio=1, overflow="fold")
        sides.add_column(f"镇配合职责（{town}）", ratio=1, overflow="fold")
        sides.add_row(_duty_groups(item), _points(item.town_duties))
        parts.append(sides)
    elif item.abolished:
        parts.append(Text(f"\n已取消：{item.note}", style="red"))
    else:
        parts.append(Text(f"\n已由上级部门收回，不得再交由{town}承担。", style="red"))
        for handler in item.handlers:
            parts.append(Text(f"\n承接部门：{format_departments(handler.departments)}", style="bold"))
            parts.append(Text("工作方式：\n" + "\n".join(numbered(handler.methods))))
    return Panel(Group(*parts), expand=True)


def overview(dataset: Dataset) -> Table:
    table = Table(title=f"{dataset.town.name}履行职责事项清单（{dataset.version or '当前版本'}）", show_lines=True)
    table.add_column("清单")
    table.add_column("事项数", justify="right")
    table.add_column("类别（事项数）", overflow="fold")
    for kind in LIST_KINDS:
        categories = dataset.categories(kind)
        table.add_row(
            LIST_TITLES[kind],
            str(len(dataset.items_of(kind))),
            "、".join(f"{name}（{count}）" for name, count in categories),
        )
    return table


def item_table(items: list[Item], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("编码", style="cyan", no_wrap=True)
    table.add_column("清单", no_wrap=True)
    table.add_column("类别", no_wrap=True)
    table.add_column("事项名称")
    table.add_column("牵头/承接部门")
    for item in items:
        table.add_row(item.code, LIST_SHORT_NAMES[item.list], item.category, item.title,
                      format_departments(item.lead_departments))
    return table
