"""What the import-linter contracts (pyproject.toml, `make lint`) cannot see.

The import graph reads `from fastbal import _fastbal` (the compiled
extension) as an import of the package root, so the layers contract ignores
the root imports of the modules below the front ends; these tests check
that those imports name nothing but submodules. Front ends use public names
only: a private module is the contract's business, a private name in a
public module is checked here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "python" / "fastbal"
FRONT_ENDS = ("cli", "dask", "demo", "hf", "imblearn", "polars", "sklearn", "spark")
SUBMODULES = {p.stem for p in PACKAGE.glob("*.py")} | {"_fastbal", "cli"}


def module_files() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE
    )


def is_front_end(path: Path) -> bool:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py") in FRONT_ENDS


def root_imports(path: Path) -> list[tuple[int, str]]:
    """(line, name) of each name imported from the package root (`import
    fastbal` gives the name "fastbal")."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name == "fastbal"]
        elif isinstance(node, ast.ImportFrom) and node.module == "fastbal" and not node.level:
            out += [(node.lineno, a.name) for a in node.names]
    return out


@pytest.mark.parametrize(
    "path", [p for p in module_files() if not is_front_end(p)], ids=lambda p: p.name
)
def test_modules_below_the_front_ends_import_submodules_only_from_the_root(path):
    # the package root imports every layer: a module below it importing a name
    # of the root would close a cycle
    bad = [(line, name) for line, name in root_imports(path) if name not in SUBMODULES]
    assert bad == [], f"{path.name} imports from the package root: {bad}"


@pytest.mark.parametrize("path", [p for p in module_files() if is_front_end(p)], ids=str)
def test_front_ends_import_no_private_name(path):
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    bad = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fastbal"):
            if node.module.startswith(f"fastbal.{own}"):
                continue  # a front end's own private parts (fastbal.cli._io)
            names = [a.name for a in node.names if a.name.startswith("_")]
            # the polars plugin's expressions live in the compiled extension,
            # which registering them needs by file
            if own == "polars":
                names = [n for n in names if n != "_fastbal"]
            bad += [(node.lineno, f"{node.module}.{n}") for n in names]
    assert bad == [], f"{path.name} imports private names: {bad}"


def test_the_checks_see_every_front_end():
    found = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in module_files()}
    assert set(FRONT_ENDS) <= found
