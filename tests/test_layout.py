"""The tree shows the pipeline: imports inside `assistant` run one way, from a stage to the stages below it, and no
module grows past about 500 lines without saying why in its docstring."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
# Lower first. A module may import its own rank and every rank below.
RANKS = {
    "models": 0, "settings": 0, "logs": 0, "version": 0,
    "reading": 1,
    "search": 2,
    "judging": 3,
    "review": 4,
    "pipeline": 5, "member_view": 5,
    "rounds": 6,
    "web": 7,
    "doctor": 8, "benchmark": 8, "evaluate": 8,
    "cli": 9,  # `serve` starts the web app; the web app never imports the command line
}
MAX_LINES = 500


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def unit_of(parts: tuple[str, ...]) -> str:
    """The stage a dotted module path inside `assistant` belongs to: its sub-package, or the top-level module."""
    return parts[0]


def imported_units(path: Path) -> set[str]:
    here = path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level]
                target = base + tuple(node.module.split(".")) if node.module else base
            elif node.module and node.module.split(".")[0] == "assistant":
                target = tuple(node.module.split(".")[1:])
            else:
                continue
            # `from . import x` / `from .pkg import x`: x may be the module itself
            targets = [target + (alias.name,) for alias in node.names] if not node.module or len(target) == 1 else [target]
            found |= {unit_of(t) for t in targets if t}
        elif isinstance(node, ast.Import):
            found |= {unit_of(tuple(a.name.split(".")[1:])) for a in node.names
                      if a.name.startswith("assistant.")}
    return found


def test_every_module_has_a_rank():
    units = {unit_of(p.relative_to(PACKAGE).with_suffix("").parts) for p in modules()} - {"__init__"}
    assert units - set(RANKS) == set()


def test_no_import_runs_from_a_lower_stage_to_a_higher_one():
    upward = []
    for path in modules():
        unit = unit_of(path.relative_to(PACKAGE).with_suffix("").parts)
        if unit == "__init__":
            continue
        for target in imported_units(path) - {"__init__"}:
            target_rank = RANKS.get(target, RANKS.get(target.split(".")[0]))
            if target_rank is not None and target_rank > RANKS[unit]:
                upward.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The checker itself can fail: a reading module that imports the review store is caught."""
    fake = tmp_path / "assistant"
    (fake / "reading").mkdir(parents=True)
    (fake / "reading" / "bad.py").write_text("from ..review.reviews import ReviewStore\nfrom . import chunking\n")
    assert imported_units.__globals__["PACKAGE"] is PACKAGE
    monkeypatch.setitem(imported_units.__globals__, "PACKAGE", fake)
    assert imported_units(fake / "reading" / "bad.py") == {"review", "reading"}


def test_no_module_is_over_about_500_lines_without_a_reason():
    long = []
    for path in modules():
        text = path.read_text(encoding="utf-8")
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if len(text.splitlines()) > MAX_LINES and "over 500 lines" not in docstring:
            long.append(f"{path.relative_to(PACKAGE)}: {len(text.splitlines())} lines")
    assert long == []
