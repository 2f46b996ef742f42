"""The persistent cache: one file per run, safe against concurrent runs and corrupt entries.

Two layers, both keyed by file content hashes and by chanlint's and the catalog's versions:
- the per-file ast index (so a warm run parses nothing it parsed before);
- the judged findings of the last run with the set of files its analysis read, so a run
  where nothing that analysis read has changed reuses them (see api.check).
A cache that cannot be read is ignored and rewritten; writes go to a temporary file that is
atomically renamed, so concurrent runs never see half a file.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from chanlint import __version__

CACHE_FORMAT = 4
CACHE_FILE = "cache-v1.pickle"
GITIGNORE = "# Created by chanlint.\n*\n"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class RunMemo:
    """What one analysis concluded, and what it depended on."""

    key: str  # settings, options, catalog: what else the result depends on
    hashes: dict[str, str]  # every scanned file -> content hash
    read: set[str]  # files the analysis parsed (up front or on demand)
    relevant: set[str]  # files that were relevant (parsed up front)
    findings: list  # judged findings, before suppressions, baseline and focus
    unresolved: set[str] = field(default_factory=set)  # module names imports asked for and did not find
    scanned: frozenset[str] = frozenset()  # the files scanned (hashes also holds files read elsewhere)

    def unchanged(self, hashes: dict[str, str]) -> bool:
        """The same files are scanned, with the same contents, as in this run."""
        return self.scanned == hashes.keys() and all(self.hashes.get(p) == h for p, h in hashes.items())


@dataclass
class CacheData:
    stamp: str
    indexes: dict[str, tuple[str, object]] = field(default_factory=dict)  # path -> (hash, FileIndex)
    runs: dict[str, RunMemo] = field(default_factory=dict)  # run key -> memo (latest few)


class Cache:
    def __init__(self, folder: Path, stamp: str) -> None:
        self.folder = folder
        self.stamp = f"{__version__}:{CACHE_FORMAT}:{stamp}"
        self.data = CacheData(self.stamp)
        self.dirty = False

    def load(self) -> None:
        path = self.folder / CACHE_FILE
        try:
            with open(path, "rb") as handle:
                data = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            return
        if isinstance(data, CacheData) and data.stamp == self.stamp:
            self.data = data

    def index_for(self, path: str, digest: str):
        cached = self.data.indexes.get(path)
        return cached[1] if cached is not None and cached[0] == digest else None

    def store_index(self, path: str, digest: str, index: object) -> None:
        self.data.indexes[path] = (digest, index)
        self.dirty = True

    def forget_missing(self, present: set[str]) -> None:
        for path in set(self.data.indexes) - present:
            del self.data.indexes[path]
            self.dirty = True

    def run(self, key: str) -> RunMemo | None:
        return self.data.runs.get(key)

    def store_run(self, memo: RunMemo) -> None:
        self.data.runs = {memo.key: memo}  # one memo: the last run for these settings
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text(GITIGNORE, encoding="utf-8")
            fd, temp = tempfile.mkstemp(prefix=".cache-", dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(self.data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.folder / CACHE_FILE)
        except OSError:
            return  # a read-only checkout still gets its report
