"""The import rules of CONTRIBUTING.md, checked on the real import graph (grimp).

Services never import each other; the library imports no service; a ``domain`` package
imports no framework, not even through another module; nothing imports in a cycle.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import grimp
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(p.name for p in ROOT.glob("services/*/peerlearn_*") if (p / "__init__.py").exists())
# A service folder that is not installed (not in pyproject's packages.find) fails its own test
# below instead of breaking the collection of all the others.
SERVICES = [name for name in FOLDERS if importlib.util.find_spec(name) is not None]
FRAMEWORKS = ("litestar", "sqlalchemy", "nats", "httpx", "asyncpg", "aiosqlite", "redis", "jinja2")
# Pure modules of the library that services' domains may use; they obey the domain rule too.
PURE_LIBRARY = ("peerlearn.errors", "peerlearn.directory.caller")


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("peerlearn", *SERVICES, include_external_packages=True)


def test_the_services_are_found_and_installed() -> None:
    assert {"peerlearn_profiles", "peerlearn_forum", "peerlearn_matcher"} <= set(SERVICES)
    assert SERVICES == FOLDERS, (
        f"not installed (add to pyproject's packages.find): {set(FOLDERS) - set(SERVICES)}"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    others = [s for s in SERVICES if s != service]
    crossings = [
        (importer, imported)
        for other in others
        for importer, imported in _direct_imports_between(service, other)
    ]
    assert crossings == [], f"{service} imports another service: {crossings}"


def test_the_library_imports_no_service() -> None:
    crossings = [pair for service in SERVICES for pair in _direct_imports_between("peerlearn", service)]
    assert crossings == [], crossings


def _domain_modules() -> list[str]:
    modules = [
        m
        for m in graph().modules
        if any(m == f"{s}.domain" or m.startswith(f"{s}.domain.") for s in SERVICES)
    ]
    return sorted(modules) + list(PURE_LIBRARY)


@pytest.mark.parametrize("module", _domain_modules())
def test_a_domain_module_reaches_no_framework(module: str) -> None:
    reached = [name for name in FRAMEWORKS if name in graph().modules and graph().chain_exists(module, name)]
    chains = {name: graph().find_shortest_chain(module, name) for name in reached}
    assert reached == [], f"{module} reaches {chains}"


def test_nothing_imports_in_a_cycle() -> None:
    internal = {m for m in graph().modules if not graph().is_module_squashed(m)}
    edges = nx.DiGraph()
    for module in internal:
        for imported in graph().find_modules_directly_imported_by(module):
            if imported in internal:
                edges.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def _direct_imports_between(importer_package: str, imported_package: str) -> list[tuple[str, str]]:
    found = graph().find_matching_direct_imports(
        import_expression=f"{importer_package}.** -> {imported_package}.**"
    )
    found += graph().find_matching_direct_imports(
        import_expression=f"{importer_package}.** -> {imported_package}"
    )
    return sorted({(i["importer"], i["imported"]) for i in found})
