"""Function bodies parsed only when they run must give the very tree, names and positions of a full parse."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from chanlint.discover.files import SourceFile
from chanlint.index.modules import ModuleInfo, parse_module, split_lines
from chanlint.index.relevance import index_file
from tests.helpers import FIXTURES

TRICKY = '''\
"""Module docstring."""
import functools


def plain(a, b=1):
    """Doc."""
    return helper(a) + b


@functools.lru_cache
def decorated(
    x,
    *,
    y: int = 2,
) -> int:
    # a comment first
    return x + y


def one_line(): return 1


def header_shares_the_line(
    a,
): return a


async def coroutine(n):
    await other(n)
    async with ctx() as c:
        return c


class Owner:
    attr = 1

    def method(self):
        def inner():
            return lambda q: q + 1

        @staticmethod
        def decorated_inner():
            pass

        return inner

    @property
    def prop(self):
        return self._p

    def with_class_inside(self):
        class Local:
            def run(self):
                return 1

        return Local


if True:
    def in_if(x):
        if x:
            return 1
        else:
            return 2
else:
    def in_if(x):
        return 3

try:
    def in_try():
        return "s" \\
            "t"
except ImportError:
    pass


def multi_line_string():
    text = """
not indented
    at all
"""
    return text


def last(): return "no trailing newline"'''


def _source(path: str = "mod.py") -> SourceFile:
    return SourceFile(Path(path), "mod", (), False, False)


# Lines between the statements that run on import: left out of the skeleton where they are only
# blanks and comments, kept where a backslash joins them to code or they are inside a statement.
LAYOUT = '''\
# Licensed to the Apache Software Foundation (ASF) under one
# or more contributor license agreements.

#
"""Docstring."""
# between the docstring and the imports
import os

TEXT = """
# not a comment: part of the string

  still the string
"""
x = os \\
# a comment after a backslash: x = os, then (os.sep) on its own
(os.sep)
y = 1 \\

z = (  # a comment inside a statement

    2
)


class Owner:
    # a comment in a class body

    attr = 1
    # between the attribute and the method

    def method(self):
        # inside a lazy body
        return attr

    # after the method, before the next
    @property
    def prop(self):
        return 2
    # the class's last line


if os.sep:
    # in an if

    w = 3
    # after w
else:

    w = 4
# trailing comment
'''


def lazily(text: str) -> ModuleInfo:
    index = index_file("mod", False, text.encode(), ())
    assert index.problem is None
    return parse_module(_source(), text, index.lazy_bodies, index.spare_lines)


def materialise(module: ModuleInfo) -> None:
    """Parse every lazy body, including those of defs found inside parsed bodies."""
    done: set[str] = set()
    while set(module.functions) - done:
        for fqn in sorted(set(module.functions) - done):
            done.add(fqn)
            _ = module.functions[fqn].node


# Layout the analysis never reads: blank lines and comments around a lazy body may attach to
# other nodes than in a full parse (the body's code, its names and their positions do not change).
TRIVIA = (
    cst.EmptyLine,
    cst.Comment,
    cst.Newline,
    cst.TrailingWhitespace,
    cst.SimpleWhitespace,
    cst.ParenthesizedWhitespace,
)


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def shape(module: ModuleInfo) -> dict[str, list[tuple]]:
    """Every def: each node in it that is not layout, with its value and position."""
    result = {}
    for fqn, info in sorted(module.functions.items()):
        collect = _Collect()
        info.node.visit(collect)
        nodes = collect.nodes
        spots = []
        for n in nodes:
            if isinstance(n, TRIVIA):
                continue
            pos = module.position(n)
            where = (pos.start.line, pos.start.column, pos.end.line, pos.end.column) if pos else None
            value = getattr(n, "value", None)
            spots.append((type(n).__name__, value if isinstance(value, str) else None, where))
        result[fqn] = spots
    return result


class _CollectOutside(_Collect):
    """The nodes of code outside any def (a lazy def's stub stands where the def was)."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FunctionDef):
            self.nodes.extend(node.decorators)
            return False
        return super().on_visit(node)


def outside_shape(module: ModuleInfo) -> list[tuple]:
    """The module's and its classes' own code (what follows a lazy body included), with where
    each node starts (a node holding a lazy body ends where the body's placeholder does)."""
    collect = _CollectOutside()
    module.tree.visit(collect)
    spots = []
    for n in collect.nodes:
        if isinstance(n, TRIVIA):
            continue
        pos = module.position(n, "<module>")
        value = getattr(n, "value", None)
        where = (pos.start.line, pos.start.column) if pos else None
        spots.append((type(n).__name__, value if isinstance(value, str) else None, where))
    return spots


def assert_same_as_full_parse(text: str) -> ModuleInfo:
    lazy = lazily(text)
    full = parse_module(_source(), text)
    assert outside_shape(lazy) == outside_shape(full)
    materialise(lazy)
    assert shape(lazy) == shape(full)
    assert set(lazy.classes) == set(full.classes)
    return lazy


def test_tricky_source_gives_the_full_parse() -> None:
    module = assert_same_as_full_parse(TRICKY)
    assert "mod.Owner.method.<locals>.inner" in module.functions


@pytest.mark.parametrize("text", [TRICKY, LAYOUT], ids=["tricky", "layout"])
@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_other_line_endings_give_the_full_parse(text: str, newline: str) -> None:
    assert_same_as_full_parse(text.replace("\n", newline))


@pytest.mark.parametrize("text", [TRICKY, LAYOUT], ids=["tricky", "layout"])
def test_tabs_give_the_full_parse(text: str) -> None:
    assert_same_as_full_parse(text.replace("    ", "\t"))


def test_blank_and_comment_lines_between_statements_are_left_out() -> None:
    module = assert_same_as_full_parse(LAYOUT)
    lines = split_lines(LAYOUT)
    skeleton = module.tree.code
    assert "contributor" not in skeleton and "between the attribute" not in skeleton
    assert "after the method" not in skeleton and "the class's last line" not in skeleton
    assert "# not a comment: part of the string\n\n  still the string" in skeleton
    assert "# a comment after a backslash" in skeleton  # joined to the line above: kept
    assert "y = 1 \\\n\n" in skeleton and "# a comment inside a statement\n\n" in skeleton
    owner, branch = module.tree.body[-2:]
    assert isinstance(owner, cst.ClassDef) and isinstance(branch, cst.If)
    assert module.line_of(owner) == lines.index("class Owner:\n") + 1
    w = branch.orelse.body.body[0]
    assert module.line_of(w) == lines.index("    w = 4\n") + 1
    assert module.functions["mod.Owner.prop"].header.decorators
    assert module.line_of(module.functions["mod.Owner.prop"].node) == lines.index("    def prop(self):\n") + 1


def test_the_index_records_the_lines_between_statements_that_run_on_import() -> None:
    index = index_file("mod", False, LAYOUT.encode(), ())
    lines = split_lines(LAYOUT)

    def line(text: str) -> int:
        return lines.index(text) + 1

    assert (2, 4) in index.spare_lines  # the licence header but its first line (the module's start)
    between = line("    # between the attribute and the method\n")
    assert (between, between + 1) in index.spare_lines
    after = line("    # after the method, before the next\n")
    assert (after - 1, after) in index.spare_lines  # the blank line after the method too
    inside = range(line("        # inside a lazy body\n"), line("        return attr\n") + 1)
    assert not any(first in inside for first, _ in index.spare_lines)  # a function body's: not recorded
    tail = line("# trailing comment\n")
    assert all(last < tail for _, last in index.spare_lines)  # after the last statement: nothing to gain


def test_bodies_are_left_unparsed_until_needed() -> None:
    index = index_file("mod", False, TRICKY.encode(), ())
    module = parse_module(_source(), TRICKY, index.lazy_bodies)
    plain = module.functions["mod.plain"]
    assert plain.lazy_lines is not None
    assert "helper" not in module.tree.code  # plain's body is not in the parsed skeleton
    assert "mod.Owner.method.<locals>.inner" not in module.functions
    assert "return helper(a) + b" in cst.Module(body=[]).code_for_node(plain.node)
    assert plain.lazy_lines is None


def test_what_must_be_known_up_front_is_never_lazy() -> None:
    index = index_file("mod", False, TRICKY.encode(), ())
    module = parse_module(_source(), TRICKY, index.lazy_bodies)
    assert module.functions["mod.one_line"].lazy_lines is None  # body on the def's own line
    assert module.functions["mod.header_shares_the_line"].lazy_lines is None
    assert module.functions["mod.Owner.with_class_inside"].lazy_lines is None  # defines a class
    assert "mod.Owner.with_class_inside.<locals>.Local" in module.classes


def test_defs_found_in_parsed_bodies_are_announced() -> None:
    module = lazily(TRICKY)
    told: dict = {}
    module.on_define = told.update
    _ = module.functions["mod.Owner.method"].node
    assert set(told) == {"mod.Owner.method.<locals>.inner", "mod.Owner.method.<locals>.decorated_inner"}


def test_a_body_that_does_not_parse_alone_falls_back_to_the_full_parse() -> None:
    module = lazily(TRICKY)
    info = module.functions["mod.multi_line_string"]
    assert info.lazy_def  # no decorators: left out whole
    first, last = info.lazy_lines
    info.lazy_lines = (first + 1, last)  # the body's lines only: not a def
    statements = info.node.body.body
    assert len(statements) == 2
    assert module.line_of(statements[0]) == first + 1
    assert "return text" in cst.Module(body=[]).code_for_node(info.node)


def test_a_name_that_python_normalises_keeps_its_spelling() -> None:
    """ast gives `ﬁle` (a ligature) as `file`; libcst, and so the analysis, as written."""
    text = "def \ufb01le(a):\n    return a\n\n\ndef use():\n    return \ufb01le(1)\n"
    module = lazily(text)
    assert set(module.functions) == {"mod.\ufb01le", "mod.use"}
    assert_same_as_full_parse(text)


def test_a_decorated_body_that_does_not_parse_alone_falls_back_to_the_full_parse() -> None:
    text = '@cache\ndef g():\n    text = """\nnot indented\n"""\n    return text\n'
    module = lazily(text)
    info = module.functions["mod.g"]
    assert info.lazy_lines == (3, 6) and not info.lazy_def
    info.lazy_lines = (4, 6)  # starts inside the string, at column 0: does not parse alone
    statements = info.node.body.body
    assert len(statements) == 2 and module.line_of(statements[0]) == 3
    assert [d.decorator.value for d in info.node.decorators] == ["cache"]


def test_a_def_without_decorators_is_left_out_whole_until_it_runs() -> None:
    module = lazily(TRICKY)
    plain, decorated = module.functions["mod.plain"], module.functions["mod.decorated"]
    assert plain.lazy_def and not plain.header.params.params  # the stub has no parameters
    assert not decorated.lazy_def and [p.name.value for p in decorated.header.params.kwonly_params] == ["y"]
    assert "a, b=1" not in module.tree.code
    method = module.functions["mod.Owner.method"]
    assert method.lazy_def and module.classes["mod.Owner"].methods["method"] == method.fqn
    assert [p.name.value for p in plain.node.params.params] == ["a", "b"]
    assert module.line_of(plain.node) == module.line_of(plain.node.name) == 5


def test_a_string_that_looks_like_a_placeholder_is_code(monkeypatch) -> None:
    """f's one-line body is a string naming g's lazy body: it is f's code, not a placeholder,
    even when the random mark first drawn is the very one the string uses."""
    import itertools

    from chanlint.index import modules

    draws = itertools.cycle(["0123456789abcdef", "fedcba9876543210"])
    monkeypatch.setattr(modules.secrets, "token_hex", lambda _: next(draws))
    text = "def f(): 'chanlint:lazy:0123456789abcdef:def:4:5'\n\n\ndef g():\n    return 1\n"
    module = lazily(text)
    assert module.lazy_mark == "chanlint:lazy:fedcba9876543210"
    assert module.functions["mod.f"].lazy_lines is None
    assert module.functions["mod.g"].lazy_lines == (4, 5)
    assert_same_as_full_parse(text)


def test_left_out_lines_are_not_parsed_and_what_follows_keeps_its_lines() -> None:
    """The skeleton holds one line per lazy body: libcst makes nodes of every blank line."""
    f = "def f():\n" + "    x = 1\n" * 40
    text = f + "\n\nclass A:\n    def g(self):\n" + "        y = 2\n" * 30 + "    z = 3\n\n\nw = 4\n"
    module = assert_same_as_full_parse(text)
    assert len(split_lines(lazily(text).tree.code)) < 15
    w = module.tree.body[-1]
    assert module.line_of(w) == len(split_lines(text))


def test_a_skeleton_libcst_refuses_gives_the_full_parse(monkeypatch) -> None:
    """Where the skeleton does not parse, the whole file is parsed, so an error is placed by the
    file's own lines (and a file that parses whole is analysed whole)."""
    from chanlint.index import modules

    parse = modules._cst_parse

    def refuse_skeletons(text: str) -> cst.Module:
        if "chanlint:lazy:" in text:
            raise cst.ParserSyntaxError("refused", lines=[text], raw_line=1, raw_column=0)
        return parse(text)

    monkeypatch.setattr(modules, "_cst_parse", refuse_skeletons)
    module = lazily(TRICKY)
    assert not module.lazy_mark and all(f.lazy_lines is None for f in module.functions.values())
    assert shape(module) == shape(parse_module(_source(), TRICKY))
    bad = TRICKY + "\n\nx = (\n"
    with pytest.raises(cst.ParserSyntaxError) as raised:
        parse_module(_source(), bad, index_file("mod", False, TRICKY.encode(), ()).lazy_bodies)
    assert raised.value.raw_line == len(split_lines(bad))


def test_split_lines_counts_lines_like_python() -> None:
    text = "a = 1\x0c\nb = '\u2028'\r\nc\rd"
    assert split_lines(text) == ["a = 1\x0c\n", "b = '\u2028'\r\n", "c\r", "d"]
    assert "".join(split_lines(text)) == text


REAL = sorted(p for p in FIXTURES.rglob("*.py") if "nasty" not in p.parts)


@pytest.mark.parametrize("path", REAL, ids=[str(p.relative_to(FIXTURES)) for p in REAL])
def test_fixture_files_give_the_full_parse(path: Path) -> None:
    assert_same_as_full_parse(path.read_text(encoding="utf-8"))


EXAMPLES = int(os.environ.get("CHANLINT_FUZZ_EXAMPLES", "15"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=EXAMPLES <= 50)
@given(hypothesmith.from_grammar())
def test_generated_programs_give_the_full_parse(text: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<generated>", "exec")
        parse_module(_source(), text)
    except (SyntaxError, ValueError, cst.ParserSyntaxError, RecursionError):
        return  # only programs both parsers take
    assert_same_as_full_parse(text)


def test_a_hint_costs_one_body_and_a_wrong_hint_changes_nothing() -> None:
    """position(node, function) looks in that function's body first: one body's positions
    computed, not every parsed body's; any hint gives what no hint gives."""
    hinted, plain_lookup = lazily(TRICKY), lazily(TRICKY)
    materialise(hinted)
    materialise(plain_lookup)

    def spots(module: ModuleInfo, fqn: str) -> list:
        return list(module.functions[fqn].node.body.body)

    ret = spots(hinted, "mod.plain")[-1]
    assert hinted.position(ret, "plain") == plain_lookup.position(spots(plain_lookup, "mod.plain")[-1])
    assert len(hinted._fragment_positions) == 1  # only plain's body
    top = hinted.tree.body[1]  # `import functools`, in the skeleton
    assert hinted.position(top, "<module>") == plain_lookup.position(plain_lookup.tree.body[1])
    assert len(hinted._fragment_positions) == 1  # the skeleton's own, no body's
    for fqn in ("mod.decorated", "mod.Owner.method", "mod.Owner.method.<locals>.inner"):
        for wrong in ("plain", "<module>", "nowhere"):
            for mine, theirs in zip(spots(hinted, fqn), spots(plain_lookup, fqn), strict=True):
                assert hinted.position(mine, wrong) == plain_lookup.position(theirs)
