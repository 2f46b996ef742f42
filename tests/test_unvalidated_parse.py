"""Costs of libcst's that chanlint skips: validating every node it makes (index.modules._cst_parse),
MetadataWrapper's extra visit for positions (index.modules._positions_of), finding a node's
children again for every task (ModuleInfo.children_of). The results must be libcst's own, and
validation must stay on elsewhere."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from chanlint.index import modules
from tests.helpers import FIXTURES

REAL = sorted(p for p in FIXTURES.rglob("*.py") if "nasty" not in p.parts)
EXAMPLES = int(os.environ.get("CHANLINT_FUZZ_EXAMPLES", "15"))


def test_the_installed_libcst_is_the_one_known() -> None:
    assert modules._VALIDATION is not None  # else the parse is validated again: slower, not wrong
    assert cst.CSTNode.__post_init__ is modules._VALIDATION
    assert modules._CODEGEN_STATE is not None  # else through MetadataWrapper: slower, not wrong


def _wrapper_positions(tree: cst.Module) -> dict:
    from libcst.metadata import MetadataWrapper, PositionProvider

    return dict(MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider))


def assert_libcst_gives_the_same(text: str) -> None:
    """The tree of a validated parse, and the positions MetadataWrapper gives."""
    tree = modules._cst_parse(text)
    assert tree.deep_equals(cst.parse_module(text))
    assert dict(modules._positions_of(tree)) == _wrapper_positions(tree)


@pytest.mark.parametrize("path", REAL, ids=[str(p.relative_to(FIXTURES)) for p in REAL])
def test_fixture_files_give_libcst_s_tree_and_positions(path: Path) -> None:
    assert_libcst_gives_the_same(path.read_text(encoding="utf-8"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=EXAMPLES <= 50)
@given(hypothesmith.from_grammar())
def test_generated_programs_give_libcst_s_tree_and_positions(text: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, TypeError, ValueError):
        return  # only programs libcst takes as shipped
    assert_libcst_gives_the_same(text)


def test_validation_is_back_on_after_a_parse_even_one_that_fails() -> None:
    modules._cst_parse("x = 1\n")
    with pytest.raises(cst.ParserSyntaxError):
        modules._cst_parse("x = (\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_without_the_known_parts_positions_come_through_the_wrapper(monkeypatch) -> None:
    """The same positions, and unvalidated too: the wrapper's visit makes every node again, and
    Instagram/LibCST#1061's construct fails libcst's validation."""
    tree = modules._cst_parse("x = () if 0 else(lambda:())\n\n\nclass C:\n    def m(self):\n        return f(x)\n")
    direct = dict(modules._positions_of(tree))
    monkeypatch.setattr(modules, "_CODEGEN_STATE", None)
    assert dict(modules._positions_of(tree)) == direct
    from libcst.metadata import PositionProvider

    monkeypatch.setattr(PositionProvider, "METADATA_DEPENDENCIES", (PositionProvider,))
    assert modules._codegen_state() is None


def test_children_are_libcst_s_found_once(monkeypatch) -> None:
    """ModuleInfo.children_of gives `node.children` (libcst makes them by building the node
    again), found once per node however many tasks evaluate it."""
    from chanlint.discover.files import SourceFile

    module = modules.parse_module(SourceFile(Path("m.py"), "m", (), False, False), "x = not f(a) < -g(b)\n")
    expr = module.tree.body[0].body[0].value
    expected = list(expr.children)
    made: list[int] = []
    real = type(expr).children
    monkeypatch.setattr(type(expr), "children", property(lambda node: made.append(1) or real.fget(node)))
    assert list(module.children_of(expr)) == expected
    assert list(module.children_of(expr)) == expected and made == [1]
