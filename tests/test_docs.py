"""The code on the documentation site and in the README runs as shown.

`>>>` examples are doctests (pytest's `--doctest-glob` collects README.md and
docs/*.md). This file runs the rest, block by block in page order:

- a Python block without `>>>` is executed, in a temporary directory shared
  by the page's blocks, with one namespace per page (skipped when one of its
  imports, such as torch, is not installed);
- a `console` block's `$ fastbal ...` commands are run and their output
  (stdout and stderr, in order) compared with the lines under them;
- every other shell command is a plain one (install, make, a bench script),
  checked against a short list, never run.

It also checks that every public name has an API reference entry and that
the README's benchmark figures are those the bench scripts wrote.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastbal
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
# shell commands shown, never run: installing, building, testing, benchmarking
PLAIN = (
    "pip install ",
    "make",
    "python3 -m venv ",
    "source ",
    "python3 benches/",
    "cargo ",
    "mkdocs ",
)


@dataclass
class Block:
    page: Path
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    return [
        Block(page, text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2))
        for m in FENCE.finditer(text)
    ]


ALL = [b for page in PAGES for b in blocks(page)]
PYTHON = [b for b in ALL if b.lang == "python" and ">>>" not in b.text]
CONSOLE = [b for b in ALL if b.lang == "console"]
SHELL = [b for b in ALL if b.lang == "sh"]


def commands(text: str) -> list[tuple[str, list[str]]]:
    """The `$ ` commands of a console block (with `\\` continuations) and their output."""
    out: list[tuple[str, list[str]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        assert line.startswith("$ "), f"output before any command: {line!r}"
        cmd = line[2:]
        while cmd.endswith("\\"):
            i += 1
            cmd = cmd[:-1] + lines[i].strip()
        i += 1
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        out.append((cmd, expected))
    return out


def shell_commands(text: str) -> list[str]:
    """The commands of an `sh` block, comments dropped, continuations joined."""
    cmds: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.split("#")[0].strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        for part in line.split("&&"):
            if part.strip():
                cmds.append(part.strip())
    return cmds


@pytest.fixture(scope="module")
def workdirs() -> dict[Path, tuple[Path, dict[str, Any]]]:
    """Per page: its temporary directory and the namespace its Python blocks share."""
    return {}


def page_state(workdirs: dict[Path, Any], factory: pytest.TempPathFactory, page: Path) -> Any:
    if page not in workdirs:
        workdirs[page] = (factory.mktemp(page.stem), {"__name__": f"docs_{page.stem}"})
    return workdirs[page]


def ordered() -> list[Block]:
    """Python and console blocks in page order (a command may read a file a block wrote)."""
    return sorted(PYTHON + CONSOLE, key=lambda b: (PAGES.index(b.page), b.line))


@pytest.mark.parametrize("block", ordered(), ids=lambda b: b.id)
def test_block_runs_as_shown(
    block: Block,
    workdirs: dict[Path, Any],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cwd, namespace = page_state(workdirs, tmp_path_factory, block.page)
    monkeypatch.chdir(cwd)
    if block.lang == "python":
        tree = ast.parse(block.text)
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                if importlib.util.find_spec(name.split(".")[0]) is None:
                    pytest.skip(f"{name} is not installed")
        exec(compile(tree, block.id, "exec"), namespace)
        return
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "80"}
    for cmd, expected in commands(block.text):
        argv = shlex.split(cmd)
        assert argv[0] == "fastbal", f"{block.id}: only fastbal commands run here: {cmd}"
        done = subprocess.run(
            [sys.executable, "-m", "fastbal", *argv[1:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            check=False,
        )
        assert done.stdout.splitlines() == expected, f"{block.id}: {cmd}"


def test_every_command_is_run_or_plain() -> None:
    run = {cmd for b in CONSOLE for cmd, _ in commands(b.text)}
    for b in SHELL:
        for cmd in shell_commands(b.text):
            if cmd.startswith("fastbal "):
                # the README shows the commands the CLI page runs
                assert cmd in run or cmd == "fastbal demo", f"{b.id}: {cmd} is not run anywhere"
            else:
                assert cmd.startswith(PLAIN), f"{b.id}: {cmd} is neither run nor plain"
    for b in ALL:
        assert b.lang in ("python", "console", "sh", "text"), f"{b.id}: untested block {b.lang!r}"


def test_every_public_name_is_in_the_api_reference() -> None:
    page = (DOCS / "api" / "fastbal.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: fastbal\.(\w+)$", page, re.M))
    public = set(fastbal.__all__) - {"__version__"}
    assert public - documented == set()
    assert documented - public == set()


def test_readme_benchmark_figures_are_those_of_the_results() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Benchmarks") :]
    section = section[: section.index("\n## ", 1)]
    results = "\n".join(
        (ROOT / "benches" / "results" / name).read_text(encoding="utf-8")
        for name in ("limits.md", "counts.md")
    )
    figures = re.findall(r"\d[\d,]*\.?\d*(?= ?(?:ms|x))", section)
    assert len(figures) >= 10
    for figure in figures:
        assert re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d,]|\.\d)", results), figure
