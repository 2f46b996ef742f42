"""After judging: rule selection, per-file ignores, inline suppressions, baseline, focus files.

Each step only removes findings (or, for unused suppressions, adds its own), so the order is
free; it is the one ruff uses: select/ignore, per-file-ignores, noqa, baseline.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path

from chanlint.check.findings import Finding, finding_in_file

NOQA = r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?"
IGNORE = r"#\s*chanlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?"
BASELINE_FORMAT = 1


@dataclass(frozen=True)
class Suppression:
    path: str
    line: int
    column: int
    codes: frozenset[str]  # empty: blanket
    ours: bool  # names chanlint (`# chanlint: ignore` or a CHL code), so it must be used

    def covers(self, code: str) -> bool:
        return not self.codes or code in self.codes


@dataclass
class Outcome:
    findings: list[Finding]
    suppressed: int = 0
    baselined: int = 0
    extra: list[Finding] = field(default_factory=list)


def selected(code: str, select: list[str], ignore: list[str]) -> bool:
    """Ruff-style prefixes: the longest matching prefix wins; select defaults to everything."""
    best_select = max((len(p) for p in select if code.startswith(p)), default=-1 if select else 0)
    best_ignore = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    return best_select >= 0 and best_select >= best_ignore


def per_file_ignored(finding: Finding, patterns: dict[str, list[str]], root: Path) -> bool:
    rel = _relative(finding.path, root)
    return any(
        fnmatchcase(rel, pattern) and any(finding.code.startswith(c) for c in codes)
        for pattern, codes in patterns.items()
    )


def read_suppressions(path: str) -> list[Suppression]:
    """Suppression comments in a file, found with the tokenizer (never in strings)."""
    import io
    import tokenize

    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    if "noqa" not in text.lower() and "chanlint" not in text.lower():
        return []
    found: list[Suppression] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            line, column = token.start
            for pattern, ours_always in ((IGNORE, True), (NOQA, False)):
                match = re.search(pattern, token.string, re.IGNORECASE)  # compiled once, by re's cache
                if match is None:
                    continue
                codes = frozenset(c.upper() for c in re.split(r"[\s,]+", match.group("codes") or "") if c)
                ours = ours_always or any(c.startswith("CHL") for c in codes)
                if codes and not ours_always:
                    codes = frozenset(c for c in codes if c.startswith("CHL")) or codes
                found.append(Suppression(path, line, column + match.start() + 1, codes, ours))
    except (tokenize.TokenError, SyntaxError):
        return found
    return found


def identity(finding: Finding, root: Path) -> tuple[str, ...]:
    """What a finding is, without its line: what runs, what it calls, what it sends, and where (by file)."""
    innermost = finding.chain[-1].function if finding.chain else ""
    entry = finding.entrypoint
    return (
        finding.code,
        _relative(finding.path, root),
        entry.kind,
        entry.name,
        finding.call,
        finding.message_type,
        finding.process,
        innermost,
    )


def fingerprint(finding: Finding, root: Path, occurrence: int) -> str:
    """Stable across line shifts; `occurrence` tells identical findings in one function apart."""
    import hashlib  # loads OpenSSL: only a run with findings needs it

    parts = (*identity(finding, root), str(occurrence))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def with_fingerprints(findings: list[Finding], root: Path) -> list[Finding]:
    """Identical findings in one function are numbered by their order in the file."""
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    result = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = identity(finding, root)
        result.append(replace(finding, fingerprint=fingerprint(finding, root, counts[key])))
        counts[key] += 1
    return result


class BaselineError(Exception):
    """The baseline file is missing or is not one chanlint wrote."""


def load_baseline(path: Path) -> set[str]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
            raise BaselineError(f"{path}: not a chanlint baseline (format {BASELINE_FORMAT})")
        return {str(entry["fingerprint"]) for entry in data.get("findings", [])}
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"{path}: not a chanlint baseline ({exc})") from exc


def baseline_document(findings: list[Finding], root: Path) -> str:
    import json

    entries = [
        {
            "fingerprint": f.fingerprint,
            "code": f.code,
            "path": _relative(f.path, root),
            "call": f.call,
            "message_type": f.message_type,
            "process": f.process,
            "entrypoint": f"{f.entrypoint.kind} {f.entrypoint.name}",
        }
        for f in findings
    ]
    return json.dumps({"format": BASELINE_FORMAT, "findings": entries}, indent=2) + "\n"


def apply_suppressions(findings: list[Finding], report_unused: bool, extra_files: list[str]) -> Outcome:
    """Drop findings whose line carries a matching suppression; optionally report stale ones."""
    files = sorted({f.path for f in findings} | (set(extra_files) if report_unused else set()))
    by_line: dict[tuple[str, int], list[Suppression]] = defaultdict(list)
    for path in files:
        for suppression in read_suppressions(path):
            by_line[(suppression.path, suppression.line)].append(suppression)
    kept: list[Finding] = []
    used: set[Suppression] = set()
    blanket_used: set[Suppression] = set()
    for finding in findings:
        match = next((s for s in by_line.get((finding.path, finding.line), []) if s.covers(finding.code)), None)
        if match is None:
            kept.append(finding)
            continue
        used.add(match)
        if not match.codes:
            blanket_used.add(match)
    outcome = Outcome(findings=kept, suppressed=len(findings) - len(kept))
    if report_unused:
        from chanlint.check.rules import chl901_unused_suppression, chl902_blanket_suppression

        for suppressions in by_line.values():
            for s in suppressions:
                if s.ours and s not in used:
                    outcome.extra.append(_suppression_finding(chl901_unused_suppression.RULE, s))
        for s in blanket_used:
            outcome.extra.append(_suppression_finding(chl902_blanket_suppression.RULE, s))
    return outcome


def _suppression_finding(rule, s: Suppression) -> Finding:
    codes = ", ".join(sorted(s.codes)) or "all codes"
    return finding_in_file(rule, s.path, s.line, s.column, rule.summary.format(codes=codes))


def touches(finding: Finding, focus: set[str]) -> bool:
    """A finding concerns a file when its site, its entry point or any frame of its chain is there."""
    return (
        finding.path in focus or finding.entrypoint.path in focus or any(frame.path in focus for frame in finding.chain)
    )


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()
