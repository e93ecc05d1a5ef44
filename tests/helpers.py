"""Helpers shared by the tests: running the command line in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys


def lvzhi(database: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "lvzhi", "--database", database, *args],
                          capture_output=True, text=True, input=stdin, timeout=120, env=env)
