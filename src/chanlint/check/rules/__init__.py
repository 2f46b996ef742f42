"""One rule per module; each carries its documentation and VALID/INVALID examples."""

from __future__ import annotations

from chanlint.check.findings import Rule
from chanlint.check.rules import (
    chl001_outside_union,
    chl002_outside_policy,
    chl900_syntax_error,
    chl901_unused_suppression,
    chl902_blanket_suppression,
)

ALL_RULES: tuple[Rule, ...] = (
    chl001_outside_union.RULE,
    chl002_outside_policy.RULE,
    chl900_syntax_error.RULE,
    chl901_unused_suppression.RULE,
    chl902_blanket_suppression.RULE,
)
RULES_BY_CODE = {rule.code: rule for rule in ALL_RULES}
