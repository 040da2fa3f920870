"""The import graph of api/: no private names imported across areas, and no cycles between areas.

An area is a package under api/ (cases, tasks, sharing, ...); each top-level module (api/clock.py,
api/errors.py, ...) is an area of its own. Imports inside functions count (they are how cycles
used to be dodged); imports under ``if TYPE_CHECKING:`` do not (they never run).

Routes, flows, views and staff pages (``api/<area>/routes.py``, ``flows.py``, ``views.py``,
``pages.py``) and the application (``api/main.py``, ``api/health.py``) are the entry layer: they
compose areas, and nothing below them imports them. Between the areas' models, schemas and
services the graph must be acyclic, except for the edges listed in KNOWN_CYCLES (not yet
untangled), which may only shrink: the test fails on a new one, and when a listed one is gone, so
that the list is kept honest.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "api"
ENTRY_MODULES = {"routes", "flows", "views", "pages"}
ENTRY_TOP = {"api.main", "api.health"}

# Edges that still lie on a cycle between areas (issue 8), as pairs: to be removed, never added to.
# None left: the credentials' FastAPI dependencies live in api/access (above cases), the Principal in
# api/security/principal.py, the outbox in its own area below tasks and dispatch, and the case's side
# of the Case.tasks / Task.case relationship is declared by api/tasks/models.py.
KNOWN_CYCLES: set[frozenset[str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _area(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "api":
        return None
    if len(parts) == 1:
        return "api"
    return parts[1] if (API / parts[1]).is_dir() else f"api.{parts[1]}"


def _is_entry(module: str) -> bool:
    return module in ENTRY_TOP or module.rsplit(".", 1)[-1] in ENTRY_MODULES


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[str, str | None, int]] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((a.name, None, node.lineno) for a in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            self.found.extend((node.module, a.name, node.lineno) for a in node.names)


def _imports() -> list[tuple[str, str, str | None, str]]:
    """(importing module, imported module, imported name or None, "file:line") for api/."""
    rows = []
    for path in sorted(API.rglob("*.py")):
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        src = _module_name(path)
        for target, name, line in visitor.found:
            rows.append((src, target, name, f"{path.relative_to(ROOT)}:{line}"))
    return rows


def _area_graph() -> dict[str, dict[str, list[str]]]:
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for src, target, _, where in _imports():
        a, b = _area(src), _area(target)
        if b is None or a == b or _is_entry(src):
            continue
        assert a is not None
        graph[a][b].append(where)
    return graph


def _reaches(graph: dict[str, dict[str, list[str]]], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, {}))
    return False


def test_no_private_names_cross_areas() -> None:
    crossing = [
        f"{where}: {target}.{name}"
        for src, target, name, where in _imports()
        if name
        and name.startswith("_")
        and not name.startswith("__")
        and _area(target) is not None
        and _area(src) != _area(target)
    ]
    assert not crossing, "private names imported from another area:\n" + "\n".join(crossing)


def test_nothing_below_the_entry_layer_imports_it() -> None:
    wrong = [
        f"{where}: {target}"
        for src, target, _, where in _imports()
        if _area(target) is not None and _is_entry(target) and not _is_entry(src) and src != "api"
    ]
    assert not wrong, "routes/flows imported by a model, schema or service:\n" + "\n".join(wrong)


def test_no_cycles_between_areas() -> None:
    graph = _area_graph()
    cycles: dict[frozenset[str], list[str]] = {}
    for a, targets in graph.items():
        for b, where in targets.items():
            if _reaches(graph, b, a):
                cycles.setdefault(frozenset((a, b)), []).extend(where)
    # only direct pairs are listed; a longer cycle shows up as its edges
    new = {pair: where for pair, where in cycles.items() if pair not in KNOWN_CYCLES}
    assert not new, "import cycles between areas:\n" + "\n".join(
        f"{' ↔ '.join(sorted(pair))}: {', '.join(where[:4])}" for pair, where in new.items()
    )
    gone = KNOWN_CYCLES - set(cycles)
    assert not gone, f"cycles fixed, remove them from KNOWN_CYCLES: {sorted(map(sorted, gone))}"


def test_only_the_task_lifecycle_sets_a_task_status() -> None:
    """``<task>.status = ...`` appears in api/tasks/service.py only (the transition table and its
    effects); everything else reads the status."""
    owner = API / "tasks" / "service.py"
    wrong = []
    for path in sorted(API.rglob("*.py")):
        if path == owner:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for t in targets:
                if (
                    isinstance(t, ast.Attribute)
                    and t.attr == "status"
                    and isinstance(t.value, ast.Name)
                    and "task" in t.value.id.lower()
                ):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not wrong, "a task's status set outside api/tasks/service.py:\n" + "\n".join(wrong)
