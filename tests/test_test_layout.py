"""The tests mirror the code: a test file tests, a helper module helps.

What several test files share (the torch oracle for optimizers, the trainer tests' setup, the
written-out schedule formulas, the slider sweep) lives in a helper module beside them, not in a
``test_*.py`` file; fixtures live in conftest.py. A test file that imports another runs that
file's tests' module-level code and fixtures in the wrong place, and hides which file owns a
helper. Every import counts, also one inside a function.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
TEST_FILES = sorted(TESTS.rglob("test_*.py"))


def imported_modules(path: Path) -> set[str]:
    """The top-level names of every module ``path`` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_tests_are_found():
    assert len(TEST_FILES) > 50 and TESTS / "test_test_layout.py" in TEST_FILES


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: str(p.relative_to(TESTS)))
def test_a_test_file_imports_no_other_test_file(path):
    others = sorted(name for name in imported_modules(path) if name.startswith("test_"))
    assert not others, f"{path.name} imports {others}: move what they share into a helper module or conftest.py"


def test_the_check_sees_an_import_anywhere_in_a_file(tmp_path):
    """The check above would be false if it missed a nested or dotted import."""
    sample = tmp_path / "test_sample.py"
    sample.write_text("import os\n\ndef f():\n    from test_other import x\n    import test_more.sub as m\n")
    assert {"test_other", "test_more"} <= imported_modules(sample)
