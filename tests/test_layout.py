"""The shape of the code, checked: no import cycles, a pure core, CT.gov only in its adapter, small
modules, fast small commands, and core tests that need nothing but the runtime dependencies."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "monitor"
CTGOV = PACKAGE / "registry" / "ctgov"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path) -> Iterator[tuple[str, ast.AST]]:
    """Every module an import statement names, at any depth (inside functions too); not those only
    made for the type checker (``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _type_checking(node)
               for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                yield f"{base}.{alias.name}", node


def resolve(name: str) -> str | None:
    """The project module an imported name lives in (``monitor.core.model.Level`` → ``monitor.core.model``)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for name, path in MODULES.items():
        for imported, _ in imports(path):
            target = resolve(imported)
            if target and target != name:
                edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# ---------------------------------------------------------------- the pure core

IO_MODULES = {"os", "sys", "io", "pathlib", "socket", "subprocess", "time", "random", "asyncio", "logging", "shutil",
              "tempfile", "urllib", "http", "httpx", "sqlalchemy", "sqlmodel", "apprise", "alembic", "ruamel", "typer",
              "apscheduler", "importlib", "threading", "sqlite3", "psycopg", "fcntl", "signal", "glob"}
CLOCK = {"now", "utcnow", "today"}  # time.time() and the like: the time module is refused above


@pytest.mark.parametrize("name", [m for m in MODULES if m.startswith("monitor.core")])
def test_the_core_imports_only_itself_and_does_no_io(name: str) -> None:
    path = MODULES[name]
    for imported, node in imports(path):
        top = imported.split(".")[0]
        assert not (top == "monitor" and not imported.startswith("monitor.core")), \
            f"{path}:{node.lineno} imports {imported}"
        assert top not in IO_MODULES, f"{path}:{node.lineno} imports {imported}: I/O or a clock"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in CLOCK, f"{path}:{node.lineno} reads the clock ({node.func.attr}())"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"open", "input", "print"}, f"{path}:{node.lineno} calls {node.func.id}()"


# ---------------------------------------------------------------- CT.gov only in its adapter

CTGOV_WORDS = re.compile(
    r"protocolSection|statusModule|identificationModule|derivedSection|resultsSection|contactsLocationsModule|"
    r"overallStatus|nctIdAliases|\bnctId\b|LastUpdatePostDate|dataTimestamp|nextPageToken|filter\.ids|"
    r"query\.cond|clinicaltrials\.gov/", re.IGNORECASE)


def test_only_the_ctgov_adapter_knows_its_json_and_urls() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".md", ".html", ".txt"} and CTGOV not in path.parents:
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if CTGOV_WORDS.search(line) and "migrations" not in path.parts:
                    found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert found == []


STANDIN = "monitor.registry.ctgov.standin"


def test_only_the_demo_imports_the_stand_in_registry() -> None:
    """The stand-in ships beside the adapter whose API it speaks, for `trial-monitor demo`: no other
    module of the product imports it (the tests and the benchmarks do)."""
    found = [f"{name} imports {imported}" for name, path in MODULES.items()
             if not name.startswith(STANDIN) and name != "monitor.cli.demo"
             for imported, _ in imports(path) if imported == STANDIN or imported.startswith(STANDIN + ".")]
    assert found == []


def test_modules_stay_small() -> None:
    big = {str(p.relative_to(REPO)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert big == {}


# ---------------------------------------------------------------- fast small commands

HEAVY = ("apprise", "httpx", "sqlalchemy", "sqlmodel", "apscheduler", "alembic")


@pytest.mark.parametrize("args", [["version"], ["--help"], ["health"]])
def test_small_commands_import_nothing_they_do_not_use(args: list[str], tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import atexit, sys
        atexit.register(lambda: print("loaded:", sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr))
        sys.argv = ["trial-monitor", *{args!r}]
        from monitor.cli import main
        main()
    """)
    env = {**os.environ, "MONITOR_HEARTBEAT": str(tmp_path / "heartbeat.json")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    assert "loaded: []" in done.stderr, done.stderr
    if args == ["version"]:
        assert done.returncode == 0 and done.stdout.startswith("trial-monitor ")


# ---------------------------------------------------------------- the core's tests stand alone

BLOCKER = """
import importlib.abc, sys

class Blocked(importlib.abc.MetaPathFinder):
    NAMES = ("aiosmtpd", "psycopg", "xdist", "pytest_timeout", "monitor.registry.ctgov.standin.registry",
             "monitor.registry.ctgov.standin.server", "tests.support.receivers")

    def find_spec(self, name, path=None, target=None):
        if any(name == n or name.startswith(n + ".") for n in self.NAMES):
            raise ImportError(f"{name} is not available to the pure core's tests")
        return None

sys.meta_path.insert(0, Blocked())
"""


def test_the_core_tests_need_only_the_runtime_dependencies(tmp_path: Path) -> None:
    """``pytest tests/core`` without the test extra (receivers, PostgreSQL driver) or the stand-in."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/core"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\d+ passed", done.stdout)
