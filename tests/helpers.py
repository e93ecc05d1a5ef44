"""Helpers shared by the tests: running the command line in process, as `python -m lvzhi` would run it.

The command runs inside the test process (main() with sys.argv, stdin, stdout and stderr swapped), so a CLI
test costs what the command costs, not a Python start-up and imports. A test that must prove something only a
separate process shows (a server that starts and stops, a crash) starts one itself.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from unittest import mock

os.environ.setdefault("COLUMNS", "200")  # before the CLI's consoles are made: wide tables, as the tests read them


@dataclass
class Completed:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def lvzhi(database: str, *args: str, stdin: str = "") -> Completed:
    from lvzhi.cli import main

    argv = ["lvzhi", "--database", database, *args]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err), mock.patch.object(sys, "argv", argv), \
            mock.patch.object(sys, "stdin", io.StringIO(stdin)):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Completed(argv, code, out.getvalue(), err.getvalue())


def lvzhi_process(database: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """The same command in a separate `python -m lvzhi` process."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "lvzhi", "--database", database, *args],
                          capture_output=True, text=True, input=stdin, timeout=120, env=env)


@contextmanager
def at_revision(database_url: str, revision: str):
    """A connection (in one transaction) to the database migrated only up to `revision`: a test writes there what
    an older lvzhi stored, then opens a Store, which upgrades it."""
    from alembic import command
    from alembic.config import Config

    from lvzhi.store.db import MIGRATIONS, make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            yield connection
    finally:
        engine.dispose()
