"""The graph of imports between tonecoach's own modules, and the cycles in it.

Every ``.py`` file under ``tonecoach/`` is parsed with :mod:`ast` (nothing is
imported or run). An edge ``a -> b`` means module ``a`` imports module ``b``,
whether by ``import tonecoach.b``, ``from tonecoach import b``, ``from . import
b`` or ``from ..b import name``; relative imports are resolved against the
importing module, and a package's ``__init__`` stands for the package. Imports
inside functions count too unless ``--top-level`` is given: a function-level
import is still a dependency, only a late one.

A cycle is a strongly connected component of more than one module (Tarjan's
algorithm), or a module that imports itself.

Usage::

    python scripts/import_graph.py              # modules and what each imports
    python scripts/import_graph.py --check      # exit 1, listing each cycle, if any
    python scripts/import_graph.py --top-level  # only the imports run on import, not those in functions
    python scripts/import_graph.py --packages   # each subpackage (tonecoach.store, ...) as one node
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "tonecoach"
#: Modules the package graph keeps as their own node rather than merging them into their subpackage.
#: Each imports nothing of tonecoach, so it closes no cycle; merged, it would make every layer that
#: formats with it look as if it leant on the renderers beside it (``tonecoach.render.fmt``).
APART = ("tonecoach.render.fmt",)

Graph = dict[str, set[str]]


def module_name(path: Path, *, root: Path) -> str:
    """The dotted module name of ``path`` (a package's ``__init__.py`` names the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _top_level_nodes(tree: ast.Module) -> Iterable[ast.AST]:
    """The statements run when the module is imported: under ``if``/``try``/``with`` and class bodies too, not in functions."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))


def _resolve_base(module: str | None, level: int, *, importer: str, is_package: bool) -> str | None:
    """The absolute module that ``from <level dots><module> import ...`` reads from, or ``None`` if it escapes."""
    if level == 0:
        return module
    parts = importer.split(".")
    if not is_package:
        parts = parts[:-1]  # a plain module's ``.`` is its package
    drop = level - 1
    if drop >= len(parts):  # beyond the top-level package: Python refuses it too
        return None
    base = parts[: len(parts) - drop] if drop else parts
    if module:
        base = [*base, module]
    return ".".join(base) or None


def _own(name: str | None, modules: set[str]) -> str | None:
    """The longest prefix of ``name`` that is one of ``modules`` (``tonecoach.a.b.func`` -> ``tonecoach.a.b``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(
    tree: ast.Module, *, importer: str, is_package: bool, modules: set[str], top_level: bool = False
) -> set[str]:
    """The modules among ``modules`` that the parsed module ``importer`` imports."""
    nodes = _top_level_nodes(tree) if top_level else ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _own(alias.name, modules)
                if target:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_base(node.module, node.level, importer=importer, is_package=is_package)
            if base is None:
                continue
            for alias in node.names:
                # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one
                sub = f"{base}.{alias.name}"
                target = sub if sub in modules else _own(base, modules)
                if target:
                    found.add(target)
    # ``from . import name`` in a package's __init__, where ``name`` is no submodule, resolves to the
    # package itself: not a dependency on another module.
    found.discard(importer)
    return found


def build_graph(*, root: Path = ROOT, package: str = PACKAGE, top_level: bool = False) -> Graph:
    """Map every module of ``package`` (under ``root``) to the set of the package's modules it imports."""
    files = sorted((root / package).rglob("*.py"))
    names = {module_name(path, root=root): path for path in files}
    modules = set(names)
    graph: Graph = {}
    for name, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = imports_of(tree, importer=name, is_package=_is_package(path), modules=modules, top_level=top_level)
    return graph


def package_graph(graph: Mapping[str, Iterable[str]], *, package: str = PACKAGE, apart: Iterable[str] = APART) -> Graph:
    """``graph`` with each subpackage of ``package`` as one node (``tonecoach.store.api`` -> ``tonecoach.store``).

    Imports within a subpackage are dropped; top-level modules stay themselves, and so do the modules
    named in ``apart`` (see :data:`APART`). A cycle here means two parts of the package lean on each
    other even where no single pair of modules does.
    """
    kept = set(apart)

    def group(name: str) -> str:
        if name in kept:
            return name
        parts = name.split(".")
        return ".".join(parts[:2]) if parts[0] == package else name

    out: Graph = {}
    for source, targets in graph.items():
        edges = out.setdefault(group(source), set())
        edges.update(group(t) for t in targets if group(t) != group(source))
    return out


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of ``graph``, each sorted, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    nodes = sorted(set(graph) | {t for targets in graph.values() for t in targets})
    for start in nodes:
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = []
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work.append((start, iter(sorted(graph.get(start, ())))))
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import cycles of ``graph``: components of more than one node, and nodes with an edge to themselves."""
    cycles = []
    for component in strongly_connected(graph):
        if len(component) > 1 or component[0] in set(graph.get(component[0], ())):
            cycles.append(component)
    return sorted(cycles)


def describe_cycle(component: list[str], graph: Mapping[str, Iterable[str]]) -> str:
    """One line per cycle: its modules and the imports between them."""
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph.get(a, ())) if b in members]
    return f"cycle of {len(component)}: {', '.join(component)}\n    " + "\n    ".join(edges)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1, listing each cycle, if the graph has cycles")
    parser.add_argument("--top-level", action="store_true", help="count only the imports run on import, not those inside functions")
    parser.add_argument("--packages", action="store_true", help="each subpackage as one node, its modules' imports merged")
    parser.add_argument("--root", type=Path, default=ROOT, help="the folder that holds the package (default: this checkout)")
    parser.add_argument("--package", default=PACKAGE, help=f"the package to read (default: {PACKAGE})")
    args = parser.parse_args(argv)

    graph = build_graph(root=args.root, package=args.package, top_level=args.top_level)
    if args.packages:
        graph = package_graph(graph, package=args.package)
    cycles = find_cycles(graph)
    if not args.check:
        for name in sorted(graph):
            print(name)
            for target in sorted(graph[name]):
                print(f"    -> {target}")
    if cycles:
        print(f"{len(cycles)} import cycle(s):", file=sys.stderr if args.check else sys.stdout)
        for component in cycles:
            print("  " + describe_cycle(component, graph), file=sys.stderr if args.check else sys.stdout)
        return 1 if args.check else 0
    if args.check:
        print(f"no import cycles among {len(graph)} {'packages and modules' if args.packages else 'modules'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
