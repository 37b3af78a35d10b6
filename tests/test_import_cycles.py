"""No import cycle between the packages of portal/ and search/ (issue #18).

The graph is read from the source with `ast`: every import, at module level and inside functions alike (an import
moved into a function to dodge a cycle is still a cycle), except those under `if TYPE_CHECKING:`, which never run.
A node is a package: `portal.<name>` (a sub-package such as portal.referrals, or a module such as portal.policy)
or `search`. The root `portal/__init__.py` (the application factory, which wires every domain together) is left
out of the graph. Any strongly connected component of more than one node is a cycle, named in the failure.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "search")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _node(module: str) -> str | None:
    """The package a module belongs to, or None when it is outside the graph."""
    parts = module.split(".")
    if parts[0] == "search":
        return "search"
    if parts[0] != "portal" or len(parts) < 2:
        return None  # third-party, or the root `portal` package (the app factory)
    return f"portal.{parts[1]}"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool):
    """(imported module, line) for every import in the tree outside `if TYPE_CHECKING:` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from portal import policy` imports the module portal.policy
                yield f"{target}.{alias.name}", node.lineno
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, dict[str, list[str]]]:
    """{package: {imported package: ["file:line", ...]}}"""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = _module_name(path)
            source = _node(module)
            if source is None:
                continue
            graph[source]  # every package is a node, even one that imports nothing
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for target, line in _imports(tree, module, path.name == "__init__.py"):
                destination = _node(target)
                if destination is not None and destination != source:
                    graph[source][destination].append(f"{path.relative_to(ROOT)}:{line}")
    return graph


def strongly_connected(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one package only."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def describe(graph, component: list[str]) -> str:
    members = set(component)
    lines = [" <-> ".join(component)]
    for source in component:
        for destination in sorted(set(graph[source]) & members):
            where = graph[source][destination]
            lines.append(f"    {source} -> {destination}: {', '.join(where[:3])}"
                         + (f" (+{len(where) - 3} more)" if len(where) > 3 else ""))
    return "\n".join(lines)


def test_the_graph_sees_function_level_imports_and_skips_type_checking_blocks():
    source = (
        "from typing import TYPE_CHECKING\n"
        "import portal.audit\n"
        "if TYPE_CHECKING:\n"
        "    from portal.referrals.models import Referral\n"
        "def f():\n"
        "    from portal.employers import operations\n"
        "    from . import sibling\n"
    )
    found = {target for target, _ in _imports(ast.parse(source), "portal.funding.views", False)}
    assert {"portal.audit", "portal.employers.operations", "portal.funding.sibling"} <= found
    assert not any(target.startswith("portal.referrals") for target in found)


def test_a_cycle_is_found_and_named():
    graph = {"portal.a": {"portal.b": ["a.py:1"]}, "portal.b": {"portal.c": ["b.py:2"]},
             "portal.c": {"portal.a": ["c.py:3"]}, "portal.d": {"portal.a": ["d.py:4"]}}
    assert strongly_connected(graph) == [["portal.a", "portal.b", "portal.c"]]
    assert "portal.c -> portal.a: c.py:3" in describe(graph, ["portal.a", "portal.b", "portal.c"])


def test_no_import_cycle_between_packages():
    graph = import_graph()
    assert "portal.policy" in graph and "portal.referrals" in graph and "search" in graph
    cycles = strongly_connected(graph)
    assert not cycles, "Import cycles between packages:\n" + "\n".join(describe(graph, c) for c in cycles)
