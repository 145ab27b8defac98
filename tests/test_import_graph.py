"""The import graph of tonecoach's own modules (scripts/import_graph.py) has no cycles."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and annotations look the module up by name
    spec.loader.exec_module(module)
    return module


G = _load()

#: Cycles left on purpose, each with why. The lists are exact: a new cycle fails, and so does fixing one
#: without taking it off here.
KNOWN_MODULE_CYCLES: list[list[str]] = []
#: Between subpackages: none (the web app no longer calls back into the CLI, and the scorecard's front
#: end, which writes to the store, sits beside the CLI, above both).
KNOWN_PACKAGE_CYCLES: list[list[str]] = []


# -- the cycle finder on small graphs ----------------------------------------------------------


def test_finds_a_planted_cycle_and_nothing_else():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": set(), "f": {"d"}}
    assert G.find_cycles(graph) == [["a", "b", "c"]]
    del graph["c"]  # break it: c now has no edges
    assert G.find_cycles(graph) == []


def test_finds_separate_cycles_and_self_imports():
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "s": {"s"}, "t": {"a", "c"}}
    assert G.find_cycles(graph) == [["a", "b"], ["c", "d", "e"], ["s"]]


def test_a_long_chain_needs_no_recursion():
    n = 5 * sys.getrecursionlimit()
    graph = {f"m{i}": {f"m{i + 1}"} for i in range(n)}
    assert G.find_cycles(graph) == []
    graph[f"m{n}"] = {"m0"}
    (cycle,) = G.find_cycles(graph)
    assert len(cycle) == n + 1


# -- reading imports ---------------------------------------------------------------------------

MODULES = {"pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c", "pkg.sub.d"}


def _imports(source: str, importer: str, *, package: bool = False, top_level: bool = False) -> set[str]:
    return G.imports_of(ast.parse(source), importer=importer, is_package=package, modules=MODULES, top_level=top_level)


def test_relative_and_absolute_imports_resolve_to_modules():
    src = "from . import d\nfrom .. import a\nfrom ..b import name\nimport pkg.sub\nfrom pkg.a import x\nimport os\n"
    assert _imports(src, "pkg.sub.c") == {"pkg.sub.d", "pkg.a", "pkg.b", "pkg.sub"}


def test_a_package_init_resolves_dots_from_itself():
    assert _imports("from .c import x\nfrom . import d\nfrom .. import b\n", "pkg.sub", package=True) == {
        "pkg.sub.c", "pkg.sub.d", "pkg.b"}
    # a name the __init__ defines itself is no dependency on another module
    assert _imports("from . import __version__\n", "pkg", package=True) == set()
    assert _imports("from . import __version__\n", "pkg.a") == {"pkg"}


def test_function_level_imports_count_unless_top_level():
    src = "from .a import x\nif True:\n    from .b import y\ndef f():\n    from .sub import c\nclass K:\n    import pkg.sub.d\n"
    assert _imports(src, "pkg.m") == {"pkg.a", "pkg.b", "pkg.sub.c", "pkg.sub.d"}
    assert _imports(src, "pkg.m", top_level=True) == {"pkg.a", "pkg.b", "pkg.sub.d"}  # a class body runs on import


def test_a_relative_import_beyond_the_package_is_no_edge():
    assert _imports("from ..a import x\nfrom ... import b\n", "pkg.a") == set()


def test_package_graph_merges_subpackages():
    graph = {"t": {"t.x.a"}, "t.x.a": {"t.x.b", "t.y"}, "t.x.b": set(), "t.y": {"t.x"}, "t.x": set()}
    assert G.package_graph(graph, package="t") == {"t": {"t.x"}, "t.x": {"t.y"}, "t.y": {"t.x"}}
    assert G.find_cycles(G.package_graph(graph, package="t")) == [["t.x", "t.y"]]
    # a module kept apart is its own node: here it was the only way back from t.y to t.x
    graph = {"t.x.a": {"t.y"}, "t.y": {"t.x.leaf"}, "t.x.leaf": set()}
    assert G.find_cycles(G.package_graph(graph, package="t")) == [["t.x", "t.y"]]
    assert G.package_graph(graph, package="t", apart=["t.x.leaf"]) == {"t.x": {"t.y"}, "t.y": {"t.x.leaf"}, "t.x.leaf": set()}
    assert G.find_cycles(G.package_graph(graph, package="t", apart=["t.x.leaf"])) == []


def test_the_modules_kept_apart_import_nothing_of_tonecoach():
    graph = G.build_graph()
    for name in G.APART:
        assert name in graph and graph[name] == set(), name


# -- tonecoach itself --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    return G.build_graph()


def test_the_graph_covers_the_package(graph):
    assert len(graph) == len(list((ROOT / "tonecoach").rglob("*.py")))
    assert "tonecoach.wording.call" in graph["tonecoach.wording.content"]
    assert "tonecoach.batch.runner" in graph["tonecoach.batch"]


def test_no_import_cycles_between_modules(graph):
    found = G.find_cycles(graph)
    assert found == KNOWN_MODULE_CYCLES, "\n".join(G.describe_cycle(c, graph) for c in found)
    assert G.find_cycles(G.build_graph(top_level=True)) == []


def test_no_import_cycles_between_subpackages(graph):
    packages = G.package_graph(graph)
    found = G.find_cycles(packages)
    assert found == KNOWN_PACKAGE_CYCLES, "\n".join(G.describe_cycle(c, packages) for c in found)


def test_check_exits_1_listing_the_cycle(tmp_path, capsys):
    pkg = tmp_path / "demo"
    (pkg / "inner").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .inner import b\n")
    (pkg / "inner" / "__init__.py").write_text("")
    (pkg / "inner" / "b.py").write_text("def f():\n    from ..a import x\n")
    argv = ["--root", str(tmp_path), "--package", "demo"]
    assert G.main([*argv, "--check"]) == 1
    err = capsys.readouterr().err
    assert "demo.a -> demo.inner.b" in err and "demo.inner.b -> demo.a" in err
    assert G.main([*argv, "--check", "--top-level"]) == 0
    assert "no import cycles among 4 modules" in capsys.readouterr().out
    assert G.main(argv) == 0  # without --check it lists, and does not fail
    out = capsys.readouterr().out
    assert "demo.a\n    -> demo.inner.b\n" in out and "1 import cycle(s)" in out
