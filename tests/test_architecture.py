"""The layers hold (pyproject.toml's import-linter contract) and the package installs and runs from a wheel."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_no_module_imports_a_layer_above_it():
    """faces (cli, web) → services (work) → read side (lists) → … → model; cli never imports web."""
    from importlinter import api  # noqa: F401  (fails clearly when import-linter is not installed)

    result = subprocess.run([shutil.which("lint-imports") or "lint-imports", "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A wheel built from this checkout, installed into a fresh virtual environment (dependencies from the
    environment running the tests, so nothing is downloaded)."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder),
                    str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(folder.glob("lvzhi-*.whl"))
    environment = folder / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(environment)
    python = environment / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "-q", "--force-reinstall", str(wheel)], check=True,
                   capture_output=True, timeout=600)
    return environment


def _run(environment: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LVZHI_DATABASE_URL")}
    env["COLUMNS"] = "200"
    return subprocess.run([environment / "bin" / "lvzhi", "--database", str(cwd / "wheel.db"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


def test_the_wheel_resolves_dispatches_and_serves(installed, tmp_path):
    imported = subprocess.run([installed / "bin" / "python", "-c", "import lvzhi, sys; print(lvzhi.__file__)"],
                              capture_output=True, text=True, cwd=tmp_path,
                              env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert str(installed) in imported.stdout, imported.stdout + imported.stderr  # the wheel, not the checkout
    answer = _run(installed, "resolve", "村道上骑摩托车不戴头盔，谁来罚？", "--format", "json", cwd=tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert '"verdict": "reclaimed"' in answer.stdout
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("id,text\n1,申请最低生活保障\n", encoding="utf-8")
    routed = _run(installed, "dispatch", "--input", str(tickets), "--output", str(tmp_path / "out.csv"), cwd=tmp_path)
    assert routed.returncode == 0, routed.stderr
    assert "珞璜镇" in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    helped = _run(installed, "serve", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "--port" in helped.stdout
