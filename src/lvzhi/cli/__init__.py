"""The `lvzhi` command line."""
from __future__ import annotations

import contextlib
import io
import re
import sys

import typer

from ..errors import LvzhiError
from . import accounts, directory, dispatching, ledger, lists, operations, places, proposals, resolving, searching, serving, versions  # noqa: F401  (each module registers its commands on `app`)
from .app import app, errors

__all__ = ["app", "main"]


# Click writes its help headings in English; the command line speaks Chinese.
HELP_WORDS = (("Usage:", "用法："), ("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."),
              ("Options:", "选项："), ("Commands:", "命令："), ("Arguments:", "参数："),
              ("Show this message and exit.", "显示本帮助并退出。"), ("[required]", "[必填]"),
              ("[default: ", "[默认："))


def main() -> None:
    if any(arg in ("--help", "-h") for arg in sys.argv[1:]):
        _help_in_chinese()
    try:
        app(standalone_mode=False)
    except LvzhiError as exc:
        errors.print(f"[red]错误：[/red]{exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:
        _usage_error_exit(exc)
        raise


def _help_in_chinese() -> None:
    """Prints the help click would print, with its English headings in Chinese, and exits."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            app(standalone_mode=False)
        except SystemExit:
            pass
        except Exception as exc:
            _usage_error_exit(exc)
    text = buffer.getvalue()
    for english, chinese in HELP_WORDS:
        text = text.replace(english, chinese)
    sys.stdout.write(text)
    sys.exit(0)


def _usage_error_exit(exc: Exception) -> None:
    """Click's usage errors ("missing argument" …) and exits end the command with click's exit code.

    Matched by shape: newer Typer releases raise them from their own copy of click."""
    code = getattr(exc, "exit_code", None)
    if not isinstance(code, int):
        return
    if hasattr(exc, "format_message"):
        context = getattr(exc, "ctx", None)
        if context is not None:
            errors.print(context.get_usage().replace("Usage:", "用法："), highlight=False, markup=False)
            errors.print(f"运行“{context.command_path} --help”查看帮助。", highlight=False, markup=False)
        errors.print(f"错误：{_in_chinese(exc)}", highlight=False, markup=False)
    sys.exit(code)


def _in_chinese(exc: Exception) -> str:
    """Click's usage messages in Chinese, for the kinds a user meets; any other as click words it."""
    kind = type(exc).__name__
    hint = getattr(exc, "param_hint", None) or getattr(getattr(exc, "param", None), "name", None) or ""
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    message = exc.format_message()  # type: ignore[attr-defined]
    if kind == "MissingParameter":
        return f"缺少参数 {hint}".strip()
    if kind == "NoSuchOption":
        return f"没有选项 {getattr(exc, 'option_name', '')}"
    if kind == "BadParameter":
        return f"参数 {hint} 的值无效：{getattr(exc, 'message', message)}"
    if message.startswith("No such command"):
        return "没有这个命令：" + message.split("'")[1] if "'" in message else "没有这个命令"
    if message.startswith("Got unexpected extra argument"):
        extra = re.search(r"\(([^()]*)\)\s*$", message)
        return "多余的参数：" + (extra.group(1) if extra else "")
    return message
