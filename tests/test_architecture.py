"""Convention tests for the project's shape: they fail when a new file breaks a rule every file must keep.

* Dependencies run one way: portal (the foundation) <- alliances <- programmes <- deployments <- reporting. The
  foundation imports no feature app outside the URL and settings wiring.
* Inside deployments the sub-packages (requests, brokerage, delivery, reviews, variations) never import each other
  from their domain modules; processes that cross entities live in `deployments.processes`, which with
  `home` and the views sits above them. No import cycles, and none hidden inside functions.
* Only the transition helper (`portal.workflow`) assigns a model's status.
* No module over 400 lines and no function over 60, unless listed below with the reason.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "alliances", "programmes", "deployments", "leadership", "reporting", "api")
# api (the read-only API, its tokens and webhooks) sits on top: it reads reporting's dashboard figures.
LAYER = {"portal": 0, "alliances": 1, "programmes": 2, "deployments": 3, "leadership": 4, "reporting": 5, "api": 6}
SUB_PACKAGES = ("requests", "brokerage", "delivery", "reviews", "variations")
# The foundation's wiring may name the feature apps: URL includes and settings.
WIRING = {"portal.urls", "portal.settings"}
# Nothing imports a project module inside a function (apps.py's ready() plugs the apps together).
DEFERRED_IMPORTS: set[tuple[str, str]] = set()
LONG_FUNCTIONS = {
    # Scripts that build data or measure, read top to bottom; splitting them would hide the sequence.
    "deployments.demo.build_history",
    "deployments.management.commands.bench.Command.handle",
    "deployments.management.commands.bench.Command._pages",  # the list of pages measured, one a line
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _target(node: ast.ImportFrom | ast.Import, alias: ast.alias, importer: str) -> str | None:
    """The project module an import names (a submodule if it is one), or None for third-party code."""
    if isinstance(node, ast.Import):
        name = alias.name
    else:
        base = node.module or ""
        if node.level:  # relative import
            parts = importer.split(".")
            base = ".".join(parts[: len(parts) - node.level + (1 if MODULES[importer].name == "__init__.py" else 0)]
                            + ([node.module] if node.module else []))
        name = f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
    if name.split(".")[0] not in APPS:
        return None
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module-level imports, imports inside functions) between project modules."""
    top: dict[str, set[str]] = defaultdict(set)
    inner: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        nested = {id(child) for f in functions for child in ast.walk(f) if child is not f}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for alias in node.names:
                target = _target(node, alias, module)
                if target and target != module:
                    (inner if id(node) in nested else top)[module].add(target)
    return top, inner


TOP, INNER = _imports()


def test_the_walk_finds_the_project():
    assert "deployments.processes" in MODULES and "portal.tenancy.models" in MODULES
    assert "deployments.requests.services" in TOP["deployments.processes"]


def test_dependencies_run_one_way_between_apps():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in TOP.items() for target in targets | INNER.get(module, set())
        if module not in WIRING and LAYER[target.split(".")[0]] > LAYER[module.split(".")[0]]
    )
    assert not wrong, "A lower app imports a higher one (register a hook instead, see portal.ui.sections):\n" + \
        "\n".join(wrong)


def _sub_package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "deployments" and parts[1] in SUB_PACKAGES else None


def test_deployments_sub_packages_never_import_each_other_from_their_domain_modules():
    wrong = []
    for module, targets in TOP.items():
        own = _sub_package(module)
        if own is None or module.rsplit(".", 1)[-1] in ("views", "urls"):
            continue
        wrong += [f"{module} imports {t}" for t in targets if _sub_package(t) not in (None, own)]
    assert not wrong, "Cross-entity work belongs in deployments.processes:\n" + "\n".join(sorted(wrong))


def test_only_processes_home_and_views_reach_across_sub_packages():
    for module, targets in TOP.items():
        reached = {_sub_package(t) for t in targets} - {None, _sub_package(module)}
        if len(reached) > 1 and _sub_package(module) is None and not module.startswith("deployments.management."):
            assert module in {"deployments.processes", "deployments.home", "deployments.urls",
                              "deployments.management.commands.seed_demo", "deployments.demo",
                              "deployments.tasks"}, f"{module} reaches into {sorted(reached)}"


def test_there_are_no_import_cycles():
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in TOP.get(node, ()):
            # A package's __init__ importing its own submodules (re-exports) is how packages work, not a cycle.
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert not cycles, f"Import cycles: {cycles}"


def test_no_project_import_is_hidden_inside_a_function():
    hidden = sorted(
        f"{module} imports {target} inside a function"
        for module, targets in INNER.items() for target in targets
        if (module, target) not in DEFERRED_IMPORTS and not module.endswith(".apps")
    )
    assert not hidden, "\n".join(hidden)


def _assigns_status(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr == "status":
                    lines.append(node.lineno)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" and len(node.args) > 1 \
                and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status":
            lines.append(node.lineno)
    return lines


def test_only_the_transition_helper_assigns_a_status():
    wrong = [f"{module}:{line}" for module, path in MODULES.items() if module != "portal.workflow"
             for line in _assigns_status(ast.parse(path.read_text()))]
    assert not wrong, "Change a status with portal.workflow.move (or copy_state): " + ", ".join(wrong)


def test_the_status_check_sees_an_assignment():
    assert _assigns_status(ast.parse("deployment.status = 'active'")) == [1]
    assert _assigns_status(ast.parse("a.status, a.note = x, y")) == [1]
    assert _assigns_status(ast.parse("setattr(offer, 'status', to)")) == [1]
    assert _assigns_status(ast.parse("status = 'x'\nrow.note = 1")) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_stay_short_enough_to_read(module):
    source = MODULES[module].read_text()
    assert source.count("\n") <= MAX_MODULE_LINES, f"{module} has over {MAX_MODULE_LINES} lines: make it a package"
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    child.qualified = f"{node.name}.{child.name}"
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{module}.{getattr(node, 'qualified', node.name)}"
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES or name in LONG_FUNCTIONS, f"{name} has {length} lines"


def test_the_broker_changes_have_one_list():
    from deployments import processes
    from deployments.delivery import lifecycle

    assert set(processes.CHANGE_SERVICES) == set(lifecycle.CHANGES)
    for sources, to in lifecycle.CHANGES.values():
        assert all(to in lifecycle.ALLOWED[source] for source in sources)


def test_every_app_has_its_own_url_namespace():
    from django.urls import get_resolver

    namespaces = {pattern.namespace for pattern in get_resolver().url_patterns if getattr(pattern, "namespace", None)}
    assert {"tenant", "alliances", "deployments", "reporting"} <= namespaces
