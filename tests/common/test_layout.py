"""The code's shape: no module past the style's 500 lines, no import circle inside an app.

Both are read from the source with ``ast``; nothing is imported. A circle counts every
import of a module of the same app, at the top of a file or inside a function, because
a deferred import is how a circle is usually hidden.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "benchmarks",
    "cases",
    "common",
    "community",
    "config",
    "households",
    "imports",
    "intake",
    "meetings",
    "outreach",
    "participation",
    "referrals",
    "reports",
]
MAX_LINES = 500


def _app_modules(app):
    base = ROOT / app
    if not base.exists():
        return {}
    modules = {}
    for path in base.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imports(path, module, is_package):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # "from cases import sharing" imports the module cases.sharing.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def _graph(app):
    modules = _app_modules(app)
    graph = {}
    for name, path in modules.items():
        targets = _imports(path, name, path.name == "__init__.py")
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def _without_packages(graph):
    # A package's __init__ re-exporting its submodules is not a circle with them.
    return {
        name: {t for t in targets if not name.startswith(t + ".") and not t.startswith(name + ".")}
        for name, targets in graph.items()
    }


def test_the_cycle_finder_finds_a_circle():
    graph = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}
    assert _cycles(graph) == [["a.x", "a.y", "a.z"]]
    assert _cycles({"a.x": {"a.y"}, "a.y": set()}) == []


@pytest.mark.parametrize("app", APPS)
def test_no_import_circle_inside_an_app(app):
    assert _cycles(_without_packages(_graph(app))) == []


def test_no_module_is_longer_than_the_style_allows():
    long = {}
    for app in APPS:
        for path in _app_modules(app).values():
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                long[str(path.relative_to(ROOT))] = lines
    assert long == {}
