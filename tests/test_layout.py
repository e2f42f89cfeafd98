"""The house rules of bot/: which layer may import which, no import cycle, services' rooms in
order, and modules that stay small."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 250

# For each room: the prefixes of modules it must never import (TYPE_CHECKING-only imports aside).
FORBIDDEN = {
    "bot/tavus": ("bot.store", "bot.services", "bot.slack", "bot.web", "slack_sdk", "slack_bolt"),
    "bot/store": ("bot.tavus", "bot.services", "bot.slack", "bot.web", "httpx", "slack_sdk", "slack_bolt"),
    "bot/services": ("slack_bolt", "starlette", "bot.web", "sqlite3", "sqlite_utils", "psycopg"),
    "bot/slack": ("bot.services", "bot.web", "httpx", "sqlite3", "sqlite_utils", "psycopg", "slack_bolt"),
    "bot/web": ("slack_bolt", "sqlite3", "sqlite_utils", "psycopg"),
    "handlers": ("httpx", "sqlite3", "sqlite_utils", "psycopg", "os"),
}
# Arrows that hold even for type checking: builders take plain records (bot/records.py) and never
# services; listeners reach Tavus and the database only through services.
NEVER = {
    "bot/slack": ("bot.services", "bot.store"),
    "handlers": ("bot.tavus", "bot.store"),
}
ONLY_IN = {"handlers": {"bot/app.py"}, "sim": {"bot/cli.py"}}  # bot/ may import these only there
# bot/services/'s rooms, bottom first: a room imports only its own and those before it (issue 26).
# The outbox's vocabulary and worker sit under access (channels pace their checks with it); results
# sit under calls (a call's end queues the report, the card says where it went).
ROOMS = ("outbox", "access", "personas", "starting", "results", "calls", "decisions", "rights", "steps")


def runtime_imports(path: Path, typed: bool = False) -> set[str]:
    """Modules imported when the file runs: `if TYPE_CHECKING:` blocks count only when `typed`."""
    tree = ast.parse(path.read_text())
    skipped = (
        set()
        if typed
        else {
            id(node)
            for branch in ast.walk(tree)
            if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
            for inner in branch.body
            for node in ast.walk(inner)
        }
    )
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(room: str = "bot") -> dict[str, set[str]]:
    """Module -> the modules of `room` it imports when it runs (functions' imports included): a
    `from a.b import c` counts as a.b.c when that is a module, else as a.b."""
    modules = {module_name(p): p for p in python_files(room)}

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        found = {known(n) for n in runtime_imports(path)}
        graph[name] = {m for m in found if m and m != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path that comes back to its start, or [] (a depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def room_of(module: str) -> str | None:
    """bot.services.<room>[.module] -> room (a room's package counts as the room)."""
    parts = module.split(".")
    return parts[2] if len(parts) >= 3 and parts[:2] == ["bot", "services"] else None


def hidden_imports(path: Path) -> list[str]:
    """Imports the graph above would not see: relative ones, importlib and __import__."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            found.append(f"line {node.lineno}: a relative import")
        elif isinstance(node, ast.Import | ast.ImportFrom) and "importlib" in ast.unparse(node):
            found.append(f"line {node.lineno}: importlib")
        elif isinstance(node, ast.Name) and node.id == "__import__":
            found.append(f"line {node.lineno}: __import__")
    return found


def test_every_import_is_one_the_graph_sees():
    """The arrows and the cycle check read `import` statements: so bot/ and handlers/ import by
    absolute name only, never relatively or through importlib."""
    hidden = [
        f"{p.relative_to(ROOT)} {what}" for p in python_files("bot", "handlers") for what in hidden_imports(p)
    ]
    assert not hidden, "\n".join(hidden)


def test_the_checks_see_what_they_must(tmp_path):
    """The helpers above, on probes: a relative import and importlib are reported, and a room's
    package imported by name (`from bot.services import steps`) is that room."""
    probe = tmp_path / "probe.py"
    probe.write_text("from ..store import Store\nimport importlib\nx = __import__('bot.store')\n")
    assert len(hidden_imports(probe)) == 3
    assert room_of("bot.services.steps") == "steps" and room_of("bot.services.steps.steps") == "steps"
    assert room_of("bot.services") is None and room_of("bot.store.outbox") is None


def python_files(*rooms: str) -> list[Path]:
    return [p for room in rooms for p in sorted((ROOT / room).rglob("*.py"))]


def test_each_room_imports_only_what_it_may():
    broken = []
    for room, forbidden in FORBIDDEN.items():
        for path in python_files(room):
            for name in runtime_imports(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    broken.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not broken, "\n".join(broken)


def test_builders_take_records_and_listeners_go_through_services():
    broken = []
    for room, never in NEVER.items():
        for path in python_files(room):
            rel = str(path.relative_to(ROOT))
            for name in runtime_imports(path, typed=True):
                if any(name == f or name.startswith(f + ".") for f in never):
                    broken.append(f"{rel} imports {name}")
    assert not broken, "\n".join(broken)


def test_records_import_nothing_of_bot():
    """Every layer may import bot/records.py because it imports none of them."""
    names = runtime_imports(ROOT / "bot" / "records.py", typed=True)
    assert not [n for n in names if n.split(".")[0] in ("bot", "handlers", "sim")]


def test_bot_imports_handlers_and_sim_only_at_the_edges():
    broken = []
    for path in python_files("bot"):
        rel = str(path.relative_to(ROOT))
        for name in runtime_imports(path):
            top = name.split(".")[0]
            if top in ONLY_IN and rel not in ONLY_IN[top]:
                broken.append(f"{rel} imports {name}")
    assert not broken, "\n".join(broken)


def test_modules_stay_small():
    big = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in python_files("bot", "handlers")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    ]
    assert not big, "\n".join(big)


def test_every_room_says_what_it_holds():
    for init in sorted((ROOT / "bot").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and "import" in doc.lower(), (
            f"{init.relative_to(ROOT)} needs a docstring naming what it may import"
        )


def test_find_cycle_reports_a_cycle_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_bot_has_no_import_cycle():
    """Issue 26: no circle anywhere in bot/, imports inside functions included (TYPE_CHECKING aside)."""
    cycle = find_cycle(import_graph("bot"))
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_every_services_room_has_a_one_line_charter():
    rooms = sorted(p.parent for p in (ROOT / "bot/services").glob("*/__init__.py"))
    assert {r.name for r in rooms} == set(ROOMS), "ROOMS must name every sub-package of bot/services"
    for room in rooms:
        doc = ast.get_docstring(ast.parse((room / "__init__.py").read_text()))
        assert doc and len(doc.splitlines()) == 1, f"{room.relative_to(ROOT)} needs a one-line charter"


def test_each_services_room_imports_only_rooms_below_it():
    broken = []
    for module, imported in import_graph("bot").items():
        if (room := room_of(module)) is None:
            continue
        for other in imported:
            if (theirs := room_of(other)) is not None and ROOMS.index(theirs) > ROOMS.index(room):
                broken.append(f"{module} ({room}) imports {other} ({theirs})")
    assert not broken, "\n".join(sorted(broken))
