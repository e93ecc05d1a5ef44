"""The Typer application object, shared consoles and helpers every command uses."""
from __future__ import annotations

import os
import sys
from typing import Optional

import typer

from ..errors import InvalidInput
from ..lists.bundled import ensure_bundled
from ..lists.catalog import Catalog
from ..store import Store
from .linebreak import KinsokuConsole

app = typer.Typer(
    help="lvzhi（履职）：乡镇履行职责事项清单的结构化数据、查询与归属判定。",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
)
# Piped or redirected output is not cut at 80 columns: tables keep whole lines (a terminal's own width otherwise).
# Every command prints through these two consoles, so every wrapped line follows Chinese line breaking (禁则).
WIDE = 160
console = KinsokuConsole(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else WIDE)
errors = KinsokuConsole(stderr=True, width=None if sys.stderr.isatty() or os.environ.get("COLUMNS") else WIDE)

TOWN_HELP = "镇街名称；缺省为内置的珞璜镇（数据库中没有时为第一个镇街）"


class Failure(InvalidInput):
    """A user-facing error of the command line itself: printed in Chinese, exit code 1."""


def open_store(ctx: typer.Context) -> Store:
    store = Store(ctx.obj.get("database") if ctx.obj else None)
    ensure_bundled(store)
    return store


def open_catalog(ctx: typer.Context) -> Catalog:
    """The read side over the command's database: the same one the web uses, so both faces agree."""
    if ctx.obj is not None and "catalog" in ctx.obj:
        return ctx.obj["catalog"]
    catalog = Catalog(open_store(ctx), refresh_seconds=0)
    if ctx.obj is not None:
        ctx.obj["catalog"] = catalog
    return catalog


def town_of(catalog: Catalog, town: Optional[str]) -> str:
    """The town a command means: the one named, else the default one."""
    return catalog.town(town).name if town else catalog.default_town()
