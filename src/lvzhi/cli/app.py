"""The Typer application object, shared consoles and helpers every command uses."""
from __future__ import annotations

import typer
from rich.console import Console

from ..bundled import ensure_bundled
from ..store import Store

app = typer.Typer(
    help="lvzhi（履职）：乡镇履行职责事项清单的结构化数据、查询与归属判定。",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
)
console = Console()
errors = Console(stderr=True)


class Failure(Exception):
    """A user-facing error: printed in Chinese, exit code 1."""


def open_store(ctx: typer.Context) -> Store:
    store = Store(ctx.obj.get("database") if ctx.obj else None)
    ensure_bundled(store)
    return store
