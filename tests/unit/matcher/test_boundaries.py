"""The matcher's shape holds: the domain imports no framework, modules form no import cycle,
no module reaches into another's private names, and the matcher imports no other service."""

from __future__ import annotations

import ast
from pathlib import Path

import peerlearn_matcher

ROOT = Path(peerlearn_matcher.__file__).parent
PACKAGE = "peerlearn_matcher"
# What the pure domain may use besides itself: numeric libraries (usearch: the ANN graph) and the
# library's pure parts.
DOMAIN_MAY_IMPORT = ("numpy", "scipy", "sklearn", "usearch", "peerlearn.events", "peerlearn.directory.caller")
FRAMEWORKS = ("litestar", "sqlalchemy", "nats", "httpx", "alembic")


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts or "evaluation" in path.parts:
            continue
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(), str(path))
    return out


def _imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """Every import anywhere in the module (functions included): (module, names)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _targets(module: str, names: list[str], known: set[str]) -> set[str]:
    # "from peerlearn_matcher.adapters import store" imports the module peerlearn_matcher.adapters.store.
    out = {f"{module}.{n}" for n in names if f"{module}.{n}" in known}
    if module in known and len(out) < len(names):
        out.add(module)
    return out


MODULES = _modules()


def test_the_domain_imports_no_framework_and_nothing_outside_it() -> None:
    for name, tree in MODULES.items():
        if not name.startswith(f"{PACKAGE}.domain"):
            continue
        for module, _ in _imports(tree):
            if module == "__future__" or (
                "." not in module and module in {"math", "collections", "dataclasses"}
            ):
                continue
            if module.startswith(FRAMEWORKS) or (
                module.startswith(("peerlearn.", PACKAGE))
                and not module.startswith((f"{PACKAGE}.domain", *DOMAIN_MAY_IMPORT))
            ):
                raise AssertionError(f"{name} imports {module}")


LAYERS = ("http", "usecases", "adapters", "domain")  # each may import only the layers after it


def test_layers_import_only_downwards() -> None:
    known = set(MODULES)
    for name, tree in MODULES.items():
        layer = name.split(".")[1] if name.count(".") >= 1 else ""
        if layer not in LAYERS:
            continue  # the composition root, settings, commands, demo
        above = LAYERS[: LAYERS.index(layer)]
        for module, names in _imports(tree):
            for target in _targets(module, names, known) or {module}:
                if target.startswith(PACKAGE + ".") and target.split(".")[1] in above:
                    raise AssertionError(f"{name} ({layer}) imports {target} from a layer above")


def test_no_import_cycles() -> None:
    known = set(MODULES)
    graph = {
        name: {t for module, names in _imports(tree) for t in _targets(module, names, known) if t != name}
        for name, tree in MODULES.items()
    }
    # Packages' __init__ import nothing; an edge to a package is an edge to nothing.
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(name) :], name]))
        if name in done:
            return
        for target in sorted(graph.get(name, ())):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_no_private_reach_ins_and_no_other_service() -> None:
    for name, tree in MODULES.items():
        imported_modules: set[str] = set()
        for module, names in _imports(tree):
            assert not module.startswith(("peerlearn_forum", "peerlearn_profiles", "peerlearn_web")), name
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{name} imports private {private} from {module}"
        for node in ast.walk(tree):
            # Our own modules only (the standard library's private types are its business).
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("peerlearn"):
                imported_modules |= {alias.asname or alias.name for alias in node.names}
            elif isinstance(node, ast.Import):
                imported_modules |= {
                    (alias.asname or alias.name).split(".")[0]
                    for alias in node.names
                    if alias.name.startswith("peerlearn")
                }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                raise AssertionError(f"{name} reaches into {node.value.id}.{node.attr}")
