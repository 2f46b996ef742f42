"""Run chanlint's evaluator over a snippet, as the body of a callback or of execute()."""

from __future__ import annotations

import textwrap
from pathlib import Path

from chanlint.catalog import load_catalog
from chanlint.discover.files import SourceFile
from chanlint.index.modules import parse_module
from chanlint.resolve.evaluator import Evaluator, Use
from chanlint.resolve.program import Program
from chanlint.resolve.values import Inst, one


def analyze_snippet(snippet: str, in_task: bool = False) -> list[Use]:
    catalog = load_catalog("3.3")
    if in_task:
        head = "from airflow.sdk import BaseOperator\nclass Op(BaseOperator):\n    def execute(self, context):\n"
        text = head + textwrap.indent(snippet, "        ") + "\n"
        fqn = "example.Op.execute"
    else:
        keyword = "async def" if "await " in snippet else "def"
        text = f"{keyword} callback(context):\n" + textwrap.indent(snippet, "    ") + "\n"
        fqn = "example.callback"
    source = SourceFile(Path("/virtual/example.py"), "example", (), False, False)
    evaluator = Evaluator(Program(catalog, [parse_module(source, text)]))
    context = one(Inst(catalog.context_type))
    args = [one(Inst("example.Op")), context] if in_task else [context]
    result = evaluator.run_function(fqn, args, {})
    assert result is not None
    return list(result.uses)
