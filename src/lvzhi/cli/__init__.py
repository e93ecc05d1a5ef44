"""The `lvzhi` command line."""
from __future__ import annotations

import sys

import typer

from ..ingest import IngestError
from ..store import DatabaseError, NotFound
from . import accounts, dispatching, lists, resolving, searching, serving, versions  # noqa: F401  (each module registers its commands on `app`)
from .app import Failure, app, errors

__all__ = ["app", "main"]


def main() -> None:
    try:
        app(standalone_mode=False)
    except (IngestError, NotFound, DatabaseError, Failure) as exc:
        errors.print(f"[red]错误：[/red]{exc}", highlight=False)
        sys.exit(1)
    except typer.Abort:
        sys.exit(130)
    except (typer.BadParameter, typer.Exit) as exc:  # pragma: no cover - click handles these itself
        raise exc
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        raise
