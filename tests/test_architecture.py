"""The import rules of the house, read from the source: every import counts, those inside
functions included (only `if TYPE_CHECKING:` blocks, which never run, are left out).

- no import cycle among the project's modules;
- the engine imports no Django (nor anything of the website);
- generation never imports gallery, accounts never imports gallery (gallery may use both);
- what serves the site (web, API, worker) never reaches the training code.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("accounts", "gallery", "generation", "instantpainting")
WEB_LIBRARIES = ("django", "rest_framework", "channels", "daphne", "drf_spectacular", "allauth", "django_tasks")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


MODULES = _project_modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at module level, in functions and classes, in `try`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _import_nodes(ast.Module(body=[child], type_ignores=[])))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _import_nodes(node)


@functools.cache
def imports_of(module: str) -> frozenset[str]:
    """The modules `module` imports (dotted names as written, resolved for relative imports)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        found.add(base)
        # `from package import module` imports that module too.
        found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return frozenset(found)


def project_graph() -> dict[str, set[str]]:
    return {module: {name for name in imports_of(module) if name in MODULES} for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _reachable(graph: dict[str, set[str]], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(graph[module])
        # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
        parent = module.rpartition(".")[0]
        while parent:
            if parent in graph:
                todo.append(parent)
            parent = parent.rpartition(".")[0]
    return seen


def test_the_walk_sees_imports_inside_functions():
    # generation.worker.engines imports the sampler inside engine_for (torch loads only there).
    assert "generation.engine.sampler" in imports_of("generation.worker.engines")


def test_no_module_imports_itself_back_through_others():
    assert _cycles(project_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_engine_imports_no_django_and_nothing_of_the_website():
    offenders = {}
    for module in MODULES:
        if module == "generation.engine" or module.startswith("generation.engine."):
            bad = {
                name
                for name in imports_of(module)
                if name.split(".")[0] in (*WEB_LIBRARIES, "accounts", "gallery", "instantpainting")
                or (name.startswith("generation.") and not name.startswith("generation.engine"))
            }
            if bad:
                offenders[module] = sorted(bad)
    assert offenders == {}


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [("generation", "gallery"), ("accounts", "gallery")],
)
def test_dependencies_point_one_way(app, forbidden):
    offenders = {
        module: sorted(name for name in imports_of(module) if name.split(".")[0] == forbidden)
        for module in MODULES
        if module.split(".")[0] == app
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_the_shared_helpers_import_no_app():
    """instantpainting/ holds helpers every app uses; only the project's wiring (URLs, ASGI) names apps."""
    shared = [m for m in MODULES if m.startswith("instantpainting.") and m not in SERVE_ROOTS]
    for module in shared:
        apps = {name.split(".")[0] for name in imports_of(module)} & {"accounts", "gallery", "generation"}
        assert not apps, (module, apps)


# What runs when the site serves: the ASGI app (with the embedded worker), the URLs and every
# view and API behind them, the queue task, the worker command and start-up.
SERVE_ROOTS = [
    "instantpainting.asgi",
    "instantpainting.urls",
    "instantpainting.routing",
    "instantpainting.settings",
    "generation.tasks",
    "generation.management.commands.generation_worker",
    "generation.management.commands.bootstrap",
    "generation.admin",
    "gallery.admin",
    "accounts.admin",
]


def test_serving_never_reaches_the_training_code():
    graph = project_graph()
    served = _reachable(graph, [root for root in SERVE_ROOTS if root in graph])
    assert "generation.worker.jobs" in served and "generation.engine.sampler" in served  # the walk goes deep
    assert sorted(m for m in served if m.startswith("generation.training")) == []
