"""Floors: who may import whom. An import that runs upward means the code is on the wrong floor."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"audit", "approvals", "documents", "workflows", "metrics", "demo", "project", "outbox", "writebehind", "compiled",
        "prepared"}
# Each app may import itself and the apps listed; anything else of ours is an upward import.
# ``audit`` is the bottom floor: the append-only record every app writes to.
FLOORS = {
    "prepared": set(),  # under every floor: the connection (hot statements planned once, timestamps parsed in C)
    "writebehind": {"prepared"},  # under every app: how writes reach the database
    "compiled": {"prepared"},  # under every app: hot reads compiled to SQL once
    "outbox": set(),  # bottom floor: the floors above register their handlers by name
    "audit": set(),
    "approvals": {"outbox", "audit"},
    "documents": {"approvals", "outbox", "audit"},
    "workflows": {"approvals", "documents", "outbox", "audit"},
    "metrics": {"workflows", "approvals", "documents", "outbox", "audit"},
    "demo": {"metrics", "workflows", "approvals", "documents", "outbox", "audit"},
}
for _app, _below in FLOORS.items():
    if _app not in {"writebehind", "compiled", "prepared"}:
        _below.update({"writebehind", "compiled", "prepared"})


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & OURS


@pytest.mark.parametrize("app", sorted(FLOORS))
def test_no_app_imports_upward(app):
    upward = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        wrong = imported_apps(path) - FLOORS[app] - {app}
        if "commands" in path.parts:
            wrong -= {"project"}  # a command is a process entry point: it may start the project's Celery app
        if wrong:
            upward[str(path.relative_to(ROOT))] = sorted(wrong)
    assert upward == {}


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from metrics.services import facts_schedule\nimport workflows.calendar\n", encoding="utf-8")
    assert imported_apps(module) == {"metrics", "workflows"}
