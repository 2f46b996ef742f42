"""Abstract values: what a name may hold while chanlint reads (never runs) the code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """A module, class or function known by its canonical dotted name."""

    name: str


@dataclass(frozen=True)
class Inst:
    """An instance of the class with this canonical name."""

    cls: str


@dataclass(frozen=True)
class Bound:
    """A user method bound to its first argument: an instance, or the class for a classmethod."""

    func: str
    self_value: Inst | Ref


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class LambdaV:
    func: str  # fqn registered for the lambda


@dataclass(frozen=True)
class PartialV:
    func: Values
    args: tuple[Values, ...]
    keywords: tuple[tuple[str, Values], ...]


@dataclass(frozen=True)
class SeqV:
    items: tuple[Values, ...]


@dataclass(frozen=True)
class DictV:
    items: tuple[tuple[str, Values], ...]

    def get(self, key: str) -> Values:
        for k, v in self.items:
            if k == key:
                return v
        return EMPTY


@dataclass(frozen=True)
class DeadlineCallbackV:
    """A SyncCallback/AsyncCallback: which class, and the callable (or dotted path) it wraps."""

    cls: str
    target: Values
    kwargs: Values


@dataclass(frozen=True)
class ThreadedV:
    """A callable that runs its target in a worker thread (`sync_to_async(f)`): off the event loop."""

    func: Values


Value = Ref | Inst | Bound | Str | LambdaV | PartialV | SeqV | DictV | DeadlineCallbackV | ThreadedV
Values = frozenset  # frozenset[Value]; empty means "unknown"
EMPTY: frozenset = frozenset()


def one(value: Value) -> frozenset:
    return frozenset((value,))
