"""One rule per module; each carries its documentation and VALID/INVALID examples."""

from __future__ import annotations

from chanlint.check.rule import Rule
from chanlint.check.rules import (
    chl001_outside_union,
    chl002_outside_policy,
    chl101_no_current_context,
    chl102_async_callback_in_dag_file,
    chl103_task_context_in_deadline_callback,
    chl104_lifecycle_outside_task,
    chl105_call_while_loading_trigger,
    chl106_notifier_without_async_notify,
    chl107_sync_call_on_triggerer_loop,
    chl900_syntax_error,
    chl901_unused_suppression,
    chl902_blanket_suppression,
    chl903_undecodable,
    chl904_null_byte,
    chl905_unreadable,
    chl906_symlink,
    chl907_too_large,
    chl908_too_deep,
)

ALL_RULES: tuple[Rule, ...] = (
    chl001_outside_union.RULE,
    chl002_outside_policy.RULE,
    chl101_no_current_context.RULE,
    chl102_async_callback_in_dag_file.RULE,
    chl103_task_context_in_deadline_callback.RULE,
    chl104_lifecycle_outside_task.RULE,
    chl105_call_while_loading_trigger.RULE,
    chl106_notifier_without_async_notify.RULE,
    chl107_sync_call_on_triggerer_loop.RULE,
    chl900_syntax_error.RULE,
    chl901_unused_suppression.RULE,
    chl902_blanket_suppression.RULE,
    chl903_undecodable.RULE,
    chl904_null_byte.RULE,
    chl905_unreadable.RULE,
    chl906_symlink.RULE,
    chl907_too_large.RULE,
    chl908_too_deep.RULE,
)
RULES_BY_CODE = {rule.code: rule for rule in ALL_RULES}
TRAP_RULES = {rule.trap: rule for rule in ALL_RULES if rule.trap}  # catalog [traps] id -> rule
