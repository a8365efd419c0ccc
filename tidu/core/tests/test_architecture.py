"""The shape of the code: which app may import which, read from the source (``ast``, nothing is imported).

An *app* is a folder ``tidu/<app>/``. ``tidu/core`` is the base every app may use; ``tidu/settings``,
``tidu/urls``, ``tidu/wsgi`` and ``tidu/cli`` are the project's shell (they wire the apps together and
may import any of them). Tests, migrations, ``conftest.py``, ``tidu/e2e`` and the project's test-data builder
``tidu/testing.py`` (test code that composes every domain) are left out.

The rules:

(a) no import cycle between apps (every import counts, at the top of a module or inside a function);
(b) ``tidu/core`` imports no domain app at the top of a module;
(c) no import of another app inside a function, unless listed in ``ALLOWED`` with its reason —
    a hidden import is a dependency nobody sees when reading the module's head. Imports inside an
    ``AppConfig.ready()`` are Django's own place for wiring (subscriptions, rules, receivers) and need
    no entry; imports of ``tidu.core`` hide no dependency between domains and are not counted;
(d) no module uses another app's private name (a leading underscore), imported or reached as
    ``module._name``.

``KNOWN_VIOLATIONS`` lists, by exact name, what is wrong today and is being fixed in the apps that own it.
The tests fail on any violation not in the list *and* on any entry of the list that no longer occurs:
delete the entry when the code is fixed, so that the list can only shrink.
"""

from __future__ import annotations

import ast
import dataclasses
from collections import defaultdict
from pathlib import Path

import pytest

TIDU_DIR = Path(__file__).resolve().parents[2]
BASE_APP = "core"
SHELL_MODULES = {"settings", "urls", "wsgi", "asgi", "cli", "__init__"}
EXCLUDED_PARTS = {"tests", "migrations", "e2e"}
EXCLUDED_FILES = {"conftest.py"}
EXCLUDED_TOP_LEVEL = {"testing.py"}  # tidu/testing.py: the test-data builder, test code like tests/

# In-function cross-app imports that are there on purpose: "<file> <function>() → <module>": why.
ALLOWED: dict[str, str] = {}

# What is wrong today, named exactly as the tests report it. Remove an entry once it is fixed.
KNOWN_VIOLATIONS: set[str] = set()  # none left: keep it that way


@dataclasses.dataclass(frozen=True)
class ImportSite:
    path: str            # "tidu/documents/dossier.py"
    app: str             # "documents" (or a shell module's name)
    target: str          # "tidu.applications.services"
    target_app: str      # "applications"
    names: tuple[str, ...]
    function: str | None  # enclosing function ("build_dossier", "Foo.bar"); None at module level
    in_ready: bool       # inside an AppConfig.ready()


@dataclasses.dataclass
class Scan:
    imports: list[ImportSite]
    private_uses: list[tuple[str, str]]  # (path, "tidu.app.module._name")

    def app_graph(self) -> dict[str, set[str]]:
        graph: dict[str, set[str]] = defaultdict(set)
        for site in self.imports:
            if is_domain(site.app) and is_domain(site.target_app) and site.app != site.target_app:
                graph[site.app].add(site.target_app)
        return graph


def is_domain(app: str) -> bool:
    return app != BASE_APP and app not in SHELL_MODULES


def modules(root: Path):
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if EXCLUDED_PARTS.intersection(rel.parts[:-1]) or path.name in EXCLUDED_FILES \
                or (len(rel.parts) == 1 and path.name in EXCLUDED_TOP_LEVEL):
            continue
        yield path, rel


def app_of_module(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "tidu" else None


def is_module(root: Path, dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (root / relative).with_suffix(".py").is_file() or (root / relative / "__init__.py").is_file()


class _Visitor(ast.NodeVisitor):
    def __init__(self, root: Path, rel: Path):
        self.root, self.rel = root, rel
        self.path = f"{root.name}/{rel.as_posix()}"
        self.app = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        self.stack: list[str] = []
        self.ready_depth = 0
        self.imports: list[ImportSite] = []
        self.private_uses: list[tuple[str, str]] = []
        self.module_aliases: dict[str, str] = {}  # local name -> another app's module

    def _function(self, node):
        self.stack.append(node.name)
        is_ready = node.name == "ready" and self.rel.name == "apps.py"
        self.ready_depth += is_ready
        self.generic_visit(node)
        self.ready_depth -= is_ready
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    def _function_name(self) -> str | None:
        # Only a function body makes an import "inside a function"; a class body is module level.
        return ".".join(self.stack) if self.stack and self._in_function else None

    @property
    def _in_function(self) -> bool:
        return self._depth_of_functions > 0

    _depth_of_functions = 0

    def generic_visit(self, node):
        is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        self._depth_of_functions += is_function
        super().generic_visit(node)
        self._depth_of_functions -= is_function

    def _record(self, target: str, names: tuple[str, ...]):
        target_app = app_of_module(target)
        if target_app is None:
            return
        self.imports.append(ImportSite(self.path, self.app, target, target_app, names, self._function_name(),
                                       self.ready_depth > 0))

    def visit_Import(self, node):
        for alias in node.names:
            self._record(alias.name, ())
            target_app = app_of_module(alias.name)
            if target_app and target_app != self.app and alias.asname:
                self.module_aliases[alias.asname] = alias.name
            self._check_private_path(alias.name)

    def visit_ImportFrom(self, node):
        if node.level or not node.module:
            return  # relative imports stay inside their package
        names = tuple(alias.name for alias in node.names)
        self._record(node.module, names)
        target_app = app_of_module(node.module)
        self._check_private_path(node.module)
        if target_app and target_app != self.app:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _private(alias.name):
                    self.private_uses.append((self.path, full))
                elif is_module(self.root, full):
                    self.module_aliases[alias.asname or alias.name] = full

    def _check_private_path(self, dotted: str):
        target_app = app_of_module(dotted)
        if target_app and target_app != self.app and any(_private(part) for part in dotted.split(".")):
            self.private_uses.append((self.path, dotted))

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in self.module_aliases and _private(node.attr):
            self.private_uses.append((self.path, f"{self.module_aliases[node.value.id]}.{node.attr}"))
        self.generic_visit(node)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def scan(root: Path = TIDU_DIR) -> Scan:
    result = Scan([], [])
    for path, rel in modules(root):
        visitor = _Visitor(root, rel)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        result.imports.extend(visitor.imports)
        result.private_uses.extend(visitor.private_uses)
    return result


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle once, starting at its alphabetically first app."""
    found = []
    nodes = sorted(set(graph) | {t for targets in graph.values() for t in targets})
    for start in nodes:
        def walk(node: str, path: list[str], start=start):
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    found.append([*path, start])
                elif nxt > start and nxt not in path:
                    walk(nxt, [*path, nxt])
        walk(start, [start])
    return found


def violations(root: Path = TIDU_DIR) -> dict[str, set[str]]:
    result = scan(root)
    found: dict[str, set[str]] = {"cycle": set(), "core": set(), "function import": set(), "private name": set()}
    for cycle in cycles(result.app_graph()):
        found["cycle"].add("cycle: " + " → ".join(cycle))
    for site in result.imports:
        if site.app == BASE_APP and site.function is None and is_domain(site.target_app):
            found["core"].add(f"core imports a domain app: {site.path} → {site.target}")
        if (site.function and not site.in_ready and is_domain(site.app) and is_domain(site.target_app)
                and site.app != site.target_app) or (site.function and site.app == BASE_APP
                                                     and is_domain(site.target_app) and not site.in_ready):
            found["function import"].add(f"function import: {site.path} {site.function}() → {site.target}")
    for path, name in result.private_uses:
        found["private name"].add(f"private name: {path} → {name}")
    return found


def _compare(kind: str, found: set[str], known: set[str], explain=lambda entry: "") -> None:
    known = {entry for entry in known if entry.startswith(kind + ":") or kind == "core" and entry.startswith("core ")}
    new, gone = sorted(found - known), sorted(known - found)
    message = []
    if new:
        message.append("New violations (fix them; an in-function import that must stay goes in ALLOWED with "
                       "its reason):\n  " + "\n  ".join(entry + explain(entry) for entry in new))
    if gone:
        message.append("Fixed, so delete from KNOWN_VIOLATIONS:\n  " + "\n  ".join(gone))
    assert not message, "\n".join(message)


@pytest.fixture(scope="module")
def found() -> dict[str, set[str]]:
    return violations()


def where_imported(entry: str, root: Path = TIDU_DIR) -> str:
    """For a cycle, one import statement per hop, so that the report says where to cut it."""
    apps = entry.removeprefix("cycle: ").split(" → ")
    sites = sorted(scan(root).imports, key=lambda site: site.function is not None)  # module-level first
    lines = []
    for source, target in zip(apps, apps[1:], strict=False):
        site = next((s for s in sites if s.app == source and s.target_app == target), None)
        if site is not None:
            inside = f" (in {site.function}())" if site.function else ""
            statement = f"from {site.target} import {', '.join(site.names)}" if site.names else f"import {site.target}"
            lines.append(f"\n    {source} → {target}: {site.path}: {statement}{inside}")
    return "".join(lines)


def test_no_import_cycles_between_apps(found):
    _compare("cycle", found["cycle"], KNOWN_VIOLATIONS, explain=where_imported)


def test_core_imports_no_domain_app(found):
    _compare("core", found["core"], KNOWN_VIOLATIONS)


def test_no_undocumented_cross_app_imports_inside_functions(found):
    _compare("function import", found["function import"] - set(ALLOWED), KNOWN_VIOLATIONS)
    stale = sorted(set(ALLOWED) - found["function import"])
    assert not stale, "ALLOWED entries that no longer occur (delete them):\n  " + "\n  ".join(stale)
    assert all(reason.strip() for reason in ALLOWED.values()), "every ALLOWED entry says why"


def test_no_private_names_of_other_apps(found):
    _compare("private name", found["private name"], KNOWN_VIOLATIONS)


def test_known_violations_are_all_of_a_known_kind():
    kinds = ("cycle: ", "core imports a domain app: ", "function import: ", "private name: ")
    assert all(entry.startswith(kinds) for entry in KNOWN_VIOLATIONS)


# --- the checker itself must be able to fail --------------------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "tidu"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_checker_finds_each_kind_of_violation(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "urls.py": "from tidu.alpha import views\n",
        "core/__init__.py": "", "core/helpers.py": "from tidu.alpha.models import Thing\n",
        "alpha/__init__.py": "", "alpha/models.py": "from tidu.beta import services\n",
        "alpha/apps.py": "class A:\n    def ready(self):\n        from tidu.gamma import receivers\n",
        "alpha/views.py": "def page():\n    from tidu.gamma.selectors import rows\n    return rows()\n",
        "alpha/tests/test_x.py": "from tidu.gamma import _secret\n",
        "beta/__init__.py": "", "beta/services.py": "from tidu.alpha import models\nfrom tidu.core import helpers\n",
        "gamma/__init__.py": "", "gamma/selectors.py": "from tidu.delta import services as s\nX = s._hidden\n",
        "gamma/receivers.py": "from tidu.delta.services import _private_helper\n",
        "delta/__init__.py": "", "delta/services.py": "_hidden = 1\n",
    })
    found = violations(root)
    assert found["cycle"] == {"cycle: alpha → beta → alpha"}
    assert where_imported("cycle: alpha → beta → alpha", root) == (
        "\n    alpha → beta: tidu/alpha/models.py: from tidu.beta import services"
        "\n    beta → alpha: tidu/beta/services.py: from tidu.alpha import models")
    assert found["core"] == {"core imports a domain app: tidu/core/helpers.py → tidu.alpha.models"}
    # ready() wiring and module-level imports are not "hidden"; the test folder is not read.
    assert found["function import"] == {"function import: tidu/alpha/views.py page() → tidu.gamma.selectors"}
    assert found["private name"] == {"private name: tidu/gamma/selectors.py → tidu.delta.services._hidden",
                                     "private name: tidu/gamma/receivers.py → tidu.delta.services._private_helper"}


def test_cycles_are_reported_as_readable_paths():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "b"}, "d": {"a"}}
    assert sorted(" → ".join(c) for c in cycles(graph)) == ["a → b → c → a", "b → c → b"]


def test_a_new_or_a_fixed_violation_fails_the_comparison():
    with pytest.raises(AssertionError, match="New violations"):
        _compare("cycle", {"cycle: a → b → a"}, set())

    with pytest.raises(AssertionError, match="delete from KNOWN_VIOLATIONS"):
        _compare("cycle", set(), {"cycle: a → b → a"})
