"""Docs that name code name code that exists.

Checked in README.md, CONTRIBUTING.md and docs/*.md: every repository path in backticks exists,
every dotted ``peerlearn…`` name in backticks imports (module, then attributes), and every module
in a service doc's module map (the first column of its ``| module | job |`` table) is a file or
folder of that service's package.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])
TICKED = re.compile(r"`([^`\n]+)`")
REPO_PATH = re.compile(r"^(?:libs|services|tests|bench|deploy|docs)/[\w./-]*$")
DOTTED = re.compile(r"^peerlearn(?:_\w+)?(?:\.\w+)+$")
PACKAGE = re.compile(r"`(services/\w+/peerlearn_\w+)/?`")


def _ticked(doc: Path) -> list[str]:
    return TICKED.findall(doc.read_text(encoding="utf-8"))


def _names(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    return sorted({(doc.name, token) for doc in DOCS for token in _ticked(doc) if pattern.match(token)})


@pytest.mark.parametrize(("doc", "path"), _names(REPO_PATH))
def test_a_path_named_in_a_doc_exists(doc: str, path: str) -> None:
    assert (ROOT / path.rstrip("/")).exists(), f"{doc} names {path}, which does not exist"


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(module_name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            continue
        target: object = importlib.import_module(module_name)
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        return target
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize(("doc", "dotted"), _names(DOTTED))
def test_a_module_named_in_a_doc_imports(doc: str, dotted: str) -> None:
    try:
        _resolve(dotted)
    except (ModuleNotFoundError, AttributeError) as exc:
        pytest.fail(f"{doc} names {dotted}: {exc!r}")


def _module_maps() -> list[tuple[str, str, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        package = PACKAGE.search(text)
        table = re.search(r"^\| module \| job \|\n\|[-| ]+\|\n((?:\|.*\|\n)+)", text, re.M)
        if package is None or table is None:
            continue
        for row in table.group(1).splitlines():
            first_cell = row.split("|")[1]
            for token in TICKED.findall(first_cell):
                if token.endswith((".py", "/")):
                    found.append((doc.name, package.group(1), token))
    return found


@pytest.mark.parametrize(("doc", "package", "module"), _module_maps())
def test_a_module_in_a_service_doc_map_exists(doc: str, package: str, module: str) -> None:
    base = ROOT / package
    name = module.rstrip("/")
    assert (base / name).exists() or any(base.rglob(name)), (
        f"{doc}'s module map names {module}, not in {package}"
    )
