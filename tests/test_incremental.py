"""A run after an edit re-evaluates only the tasks that read the edited file, and reports exactly
what a run without the cache reports (see check.entrypoints.TaskResult)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from chanlint.api import CheckOptions, census, check
from chanlint.catalog import catalog_stamp
from chanlint.config import find_config, load_settings
from chanlint.index.cache import TASKS_FILE, Cache
from chanlint.report.json_report import report_dict
from tests.helpers import FIXTURES, copied_fixture, reads_during, real_project, settle, write_tree

FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and len(list(p.rglob("*.py"))) > 1)


def run(folder: Path, cache: Path | None, version: str = "3.3"):
    settings = load_settings(find_config(folder), folder)
    settings.use_version(version)
    return check([folder], settings, CheckOptions(cache_dir=cache))


def shown(report, folder: Path) -> dict:
    """Everything a user sees of the findings (lines, entry points, chains, texts)."""
    result = report_dict(report, cwd=folder)
    return {"findings": result["findings"], "files_scanned": result["files_scanned"]}


def swap_get_for_set(text: str) -> str:
    return text.replace(".get(", ".set(", 1) if ".get(" in text else text + "\nX = 1\n"


def shift_lines(text: str) -> str:
    return "\n\n# moved down\n" + text


def cut_in_half(text: str) -> str:  # often a syntax error: a file that stops parsing
    lines = text.splitlines(keepends=True)
    return "".join(lines[: len(lines) // 2])


def empty(text: str) -> str:
    return ""


EDITS = (swap_get_for_set, shift_lines, cut_in_half, empty)


def edit_each_file_in_turn(folder: Path, cache: Path, version: str = "3.3") -> int:
    """Edit every file (one edit per run); each cached run must equal a run without the cache.
    Returns how many tasks the runs after the first evaluated again."""
    run(folder, cache, version)
    ran = 0
    for i, path in enumerate(sorted(folder.rglob("*.py"))):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the nasty fixture's symlinks and undecodable files
        if path.is_symlink() or "\0" in text:
            continue
        path.write_text(EDITS[i % len(EDITS)](text), encoding="utf-8")
        incremental = run(folder, cache, version)
        assert shown(incremental, folder) == shown(run(folder, None, version), folder), f"after editing {path}"
        ran += incremental.tasks_run
    return ran


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_each_edit_gives_what_a_run_without_the_cache_gives(tmp_path: Path, folder: Path) -> None:
    target = tmp_path / folder.name
    shutil.copytree(folder, target, symlinks=True, ignore=shutil.ignore_patterns("expected*.json"))
    settle(target)
    assert edit_each_file_in_turn(target, tmp_path / "cache") > 0  # the edits were analysed, not all skipped


def test_a_corrupt_tasks_file_is_ignored(tmp_path: Path) -> None:
    folder = copied_fixture(tmp_path)
    cache = tmp_path / "cache"
    cold = run(folder, cache)
    (cache / TASKS_FILE).write_bytes(b"\x80\x04 not a pickle")
    helper = folder / "include" / "helpers.py"
    helper.write_text(helper.read_text() + "\nX = 1\n")
    after = run(folder, cache)
    assert after.tasks_reused == 0 and after.tasks_run == cold.tasks_run
    assert shown(after, folder) == shown(cold, folder)


def readers(cache: Path, path: Path) -> int:
    """How many tasks of the last run read `path` (their records list it among their files)."""
    memo = Cache(cache, catalog_stamp()).task_memo()
    assert memo is not None
    return sum(str(path) in record.deps for record in memo.tasks.values())


def test_edits_to_real_code_give_what_a_run_without_the_cache_gives(tmp_path: Path) -> None:
    project, cache = real_project(tmp_path), tmp_path / "cache"
    cold = run(project, cache, "3.0")  # 3.0: trap findings in the triggers too
    tasks = cold.tasks_run  # plain numbers in asserts: pytest would print reports' syntax trees
    assert tasks > 40 and cold.tasks_reused == 0
    edited = [
        project / "plugins" / "standard" / "operators" / "bash.py",  # a library module DAGs import
        project / "plugins" / "standard" / "triggers" / "temporal.py",  # a task's own root
        project / "dags" / "example_xcom.py",  # a DAG file
    ]
    for i, path in enumerate(edited):
        expected = readers(cache, path)
        path.write_text(EDITS[i](path.read_text(encoding="utf-8")), encoding="utf-8")
        after = run(project, cache, "3.0")
        assert shown(after, project) == shown(run(project, None, "3.0"), project), f"after editing {path}"
        # Only the tasks that read the file ran again.
        ran, reused = after.tasks_run, after.tasks_reused
        assert (ran, reused) == (expected, tasks - expected), f"after editing {path}"
    assert expected == 1 and readers(cache, edited[0]) > 5  # the DAG's own task; bash.py is shared


def test_a_task_gives_the_same_whatever_ran_before_it(tmp_path: Path, monkeypatch) -> None:
    """Tasks share parsed files only: each task, re-run after the tasks before it have run again
    (so that it sees every module they loaded and every body they parsed), finds the same."""
    from chanlint.check import entrypoints

    project = real_project(tmp_path)
    settings = load_settings(None, project)
    settings.use_version("3.0")
    alone = census([project], settings)
    real_run_task, before = entrypoints.run_task, []

    def after_the_others(program, module, *rest):
        for other in before[-8:]:  # the last few: enough to load and parse what they need
            real_run_task(program, *other)
        before.append((module, *rest))
        return real_run_task(program, module, *rest)

    monkeypatch.setattr(entrypoints, "run_task", after_the_others)
    crowded = census([project], settings)
    assert len(before) > 20
    assert len(alone.uses) > 5
    assert crowded.uses == alone.uses and crowded.entrypoints == alone.entrypoints


def test_a_task_reads_only_definitions_of_the_modules_it_reached(tmp_path: Path, monkeypatch) -> None:
    """What makes a record reusable: every function or class a task looks up lives in a module
    the task asked for by name (so an edit to any other file cannot change its entries)."""
    from chanlint.resolve import program as program_module

    looked_up: list = []

    class Recording(dict):
        def get(self, key, default=None):
            found = dict.get(self, key)
            if found is not None:
                looked_up.append(found.module)
            return default if found is None else found

        def __getitem__(self, key):
            found = dict.__getitem__(self, key)
            looked_up.append(found.module)
            return found

        def __contains__(self, key):
            return self.get(key) is not None

    class RecordingProgram(program_module.Program):
        def __post_init__(self) -> None:
            self.functions, self.classes = Recording(), Recording()
            super().__post_init__()

        def start_task(self, root) -> None:
            looked_up.clear()
            super().start_task(root)

        def end_task(self):
            reached, missing, refusals = super().end_task()
            outside = {str(m.path) for m in looked_up} - {str(m.path) for m in reached}
            assert not outside, f"definitions looked up in modules the task did not reach: {sorted(outside)}"
            checked.append(len(reached))
            return reached, missing, refusals

    checked: list[int] = []
    monkeypatch.setattr(program_module, "Program", RecordingProgram)
    project = real_project(tmp_path)
    settings = load_settings(None, project)
    settings.use_version("3.3")
    census([project], settings)
    for folder in FOLDERS:
        run(folder, None)
    assert len(checked) > 40


def test_an_edit_reads_only_what_changed_and_what_the_tasks_parse(tmp_path: Path, monkeypatch) -> None:
    """A file whose stat is the one the last run recorded is not read to be indexed: its content
    hash, index and safe-mode test come from the cache (see RunMemo.trusted_hash)."""
    project, cache = real_project(tmp_path), tmp_path / "cache"
    run(project, cache)
    edited = project / "dags" / "example_xcom.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nX = 1\n", encoding="utf-8")
    reports: list = []
    read = reads_during(monkeypatch, lambda: reports.append(run(project, cache)))
    after = reports[0]
    scanned = len(list(project.rglob("*.py")))
    assert str(edited) in read and after.tasks_run == 1
    assert len(set(read)) < 10 < scanned  # the edited file, and what its one task parses
    assert shown(after, project) == shown(run(project, None), project)


def test_a_file_edited_while_the_findings_held_is_read_anew_later(tmp_path: Path, monkeypatch) -> None:
    """A file edited while the findings held (no task read it), then trusted by its stat, is
    analysed with its new content once a task reaches it."""
    folder = copied_fixture(tmp_path)
    (folder / "include" / "unused.py").write_text("def nothing():\n    return 1\n")
    settle(folder)
    cache = tmp_path / "cache"
    run(folder, cache)
    unused = folder / "include" / "unused.py"
    unused.write_text("from airflow.sdk import Variable\n\n\ndef nothing():\n    Variable.set('k', 'v')\n")
    settle(unused)  # old enough for its stat to be trusted from now on
    held = run(folder, cache)
    assert held.from_cache  # no task reads unused.py: the findings hold
    dag = folder / "dags" / "pipeline.py"
    calls = "def settings_cleanup(**kwargs):\n    from include.unused import nothing\n    nothing()\n"
    text = dag.read_text(encoding="utf-8").replace("def settings_cleanup(**kwargs):\n", calls)
    dag.write_text(text, encoding="utf-8")
    reports: list = []
    read = reads_during(monkeypatch, lambda: reports.append(run(folder, cache)))
    after = reports[0]
    # unused.py's new hash went with its new stat, so the run trusted it rightly: it did not
    # start over (which reads every file again, see the next test).
    ours = [path for path in read if path.startswith(str(folder))]
    # (The edited DAG file is read twice: once by the warm path's content check, once to index it.)
    assert str(unused) in ours and all(ours.count(path) == 1 for path in ours if path != str(dag))
    expected = shown(run(folder, None), folder)
    assert shown(after, folder) == expected
    # The deadline callback now reaches unused.py's Variable.set, which its process refuses.
    assert any(f["message_type"] == "PutVariable" and f["path"] == "include/unused.py" for f in expected["findings"])


def test_a_trusted_file_found_changed_when_read_sends_the_run_back_to_reading_everything(tmp_path: Path) -> None:
    """An edit that keeps a file's size and mtime is trusted by its stat (as git trusts its
    index); when a task then reads the file and finds other content, the run starts over
    reading every file, and reports what a run without the cache reports."""
    folder = copied_fixture(tmp_path)
    cache = tmp_path / "cache"
    run(folder, cache)
    helpers = folder / "include" / "helpers.py"
    old = helpers.stat()
    text = helpers.read_text(encoding="utf-8")
    text = text.replace('V.set("setting", "on")', 'V.get("setting", "on")')  # same size, and lines
    text = text.replace("\n\n\ndef from_kwargs", "  \ndef from_kwargs")  # moved: the old index misleads
    helpers.write_text(text, encoding="utf-8")
    os.utime(helpers, ns=(old.st_atime_ns, old.st_mtime_ns))  # the same stat: trusted
    dag = folder / "dags" / "pipeline.py"
    dag.write_text(dag.read_text(encoding="utf-8") + "\nX = 1\n", encoding="utf-8")  # so that tasks run
    after = run(folder, cache)
    expected = shown(run(folder, None), folder)
    assert shown(after, folder) == expected
    assert not any(f["message_type"] == "PutVariable" and "write_setting" in str(f) for f in expected["findings"])


def test_a_cache_folder_made_in_the_scanned_root_leaves_the_next_run_warm(tmp_path: Path, monkeypatch) -> None:
    """The default cache folder is made inside the project, often an import root: the folder's
    mtime changes, and nothing an import can find there (see discover.files.folder_listing)."""
    folder = copied_fixture(tmp_path)
    cache = folder / ".chanlint_cache"
    run(folder, cache)
    reports: list = []
    read = reads_during(monkeypatch, lambda: reports.append(run(folder, cache)))
    assert reports[0].from_cache and not [p for p in read if p.startswith(str(folder)) and p.endswith(".py")]


def test_a_file_saved_through_a_temporary_file_reruns_only_the_tasks_that_read_it(tmp_path: Path) -> None:
    """Editors save by writing a temporary file and renaming it over the old one: the folder's
    mtime changes, its importable entries do not, and every other task's record still holds."""
    project, cache = real_project(tmp_path), tmp_path / "cache"
    tasks = run(project, cache).tasks_run
    edited = project / "plugins" / "standard" / "operators" / "bash.py"
    expected = readers(cache, edited)
    temporary = edited.with_name(".bash.py.swp")
    temporary.write_text(swap_get_for_set(edited.read_text(encoding="utf-8")), encoding="utf-8")
    (edited.parent / "4913").write_text("")  # vim's probe that the folder is writable, left behind
    os.replace(temporary, edited)
    after = run(project, cache)
    assert (after.tasks_run, after.tasks_reused) == (expected, tasks - expected)
    assert 0 < expected < tasks
    assert shown(after, project) == shown(run(project, None), project)
    (edited.parent / "fresh.py").write_text("X = 1\n")  # an entry an import can find: every task reruns
    assert run(project, cache).tasks_run == tasks


TRIGGERS = """from airflow.triggers.base import BaseTrigger
from include.bases import Base


class Waiting(Base):
    async def run(self):
        yield None
"""


PLAIN_BASE = "class Base:\n    pass\n"
IMPORTED_BASE = "from airflow.triggers.base import BaseTrigger\n\n\n"
TRIGGER_BASE = IMPORTED_BASE + "class Base(BaseTrigger):\n    pass\n"


@pytest.mark.parametrize(
    "before, after",
    [
        (PLAIN_BASE, TRIGGER_BASE),
        (IMPORTED_BASE + PLAIN_BASE, TRIGGER_BASE),
        ("from other import Base\n", "from airflow.triggers.base import BaseTrigger as Base\n"),
    ],
    ids=["imports-and-classes", "classes", "imports"],
)
def test_an_edit_to_what_classes_derive_from_finds_the_new_entry_classes(tmp_path: Path, before, after) -> None:
    """Which modules may define triggers and notifiers is taken from the last run while every
    edited file declares the same imports and classes (api._same_class_graph); an edit to
    either is followed through the re-export to the class that became a trigger."""
    project, cache = tmp_path / "proj", tmp_path / "cache"
    write_tree(project, {"dags/triggers.py": TRIGGERS, "include/bases.py": before, "include/__init__.py": ""})
    settle(project)
    assert not [e for e in run(project, cache).entrypoints if e.kind == "trigger"]
    bases = project / "include" / "bases.py"
    bases.write_text(after, encoding="utf-8")
    found = [(e.kind, e.name) for e in run(project, cache).entrypoints if e.kind == "trigger"]
    assert found and found == [(e.kind, e.name) for e in run(project, None).entrypoints if e.kind == "trigger"]


def test_an_edit_that_keeps_imports_and_classes_reuses_which_modules_define_entry_classes(
    tmp_path: Path, monkeypatch
) -> None:
    from chanlint.index import relevance

    project, cache = real_project(tmp_path), tmp_path / "cache"
    run(project, cache)
    calls: list[int] = []
    real = relevance.entry_class_modules
    monkeypatch.setattr(relevance, "entry_class_modules", lambda *a, **k: calls.append(1) or real(*a, **k))
    edited = project / "plugins" / "standard" / "operators" / "bash.py"
    edited.write_text(swap_get_for_set(edited.read_text(encoding="utf-8")), encoding="utf-8")
    after = run(project, cache)
    assert not calls and after.tasks_run > 0  # analysed, with the relevance of the last run
    assert shown(after, project) == shown(run(project, None), project) and calls == [1]


def test_a_run_that_starts_over_judges_entry_classes_by_what_the_memo_saw(tmp_path: Path) -> None:
    """A run sent back to reading every file (see the test above) finds the files it indexed
    before starting over already in the index cache: the classes edited then still count as
    edited, and the class that became a trigger is found."""
    folder = copied_fixture(tmp_path)
    write_tree(folder, {"dags/triggers.py": TRIGGERS, "include/bases.py": PLAIN_BASE})
    settle(folder)
    cache = tmp_path / "cache"
    run(folder, cache)
    (folder / "include" / "bases.py").write_text(TRIGGER_BASE, encoding="utf-8")
    helpers = folder / "include" / "helpers.py"
    old = helpers.stat()
    helpers.write_text(helpers.read_text(encoding="utf-8").replace('V.set("setting", "on")', 'V.get("setting", "on")'))
    os.utime(helpers, ns=(old.st_atime_ns, old.st_mtime_ns))  # trusted by its stat, then found changed
    dag = folder / "dags" / "pipeline.py"
    dag.write_text(dag.read_text(encoding="utf-8") + "\nX = 1\n", encoding="utf-8")
    after = run(folder, cache)
    triggers = [(e.kind, e.name) for e in after.entrypoints if e.kind == "trigger"]
    assert triggers and triggers == [(e.kind, e.name) for e in run(folder, None).entrypoints if e.kind == "trigger"]
    assert shown(after, folder) == shown(run(folder, None), folder)


def test_an_edit_unpickles_only_the_indexes_it_uses(tmp_path: Path, monkeypatch) -> None:
    """The index file keeps each file's index pickled on its own (index.cache.StoredIndex): a
    run after an edit that keeps imports and classes reads the few its tasks parse."""
    import pickle

    from chanlint.index import cache as cache_module

    project, cache = real_project(tmp_path), tmp_path / "cache"
    run(project, cache)
    edited = project / "dags" / "example_xcom.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nX = 1\n", encoding="utf-8")
    unpickled: list[int] = []
    real_loads = pickle.loads
    monkeypatch.setattr(cache_module.pickle, "loads", lambda data: unpickled.append(1) or real_loads(data))
    after = run(project, cache)
    monkeypatch.setattr(cache_module.pickle, "loads", real_loads)
    scanned = len(list(project.rglob("*.py")))
    assert after.tasks_run == 1 and 0 < len(unpickled) < 20 < scanned
    assert shown(after, project) == shown(run(project, None), project)


def test_indexes_that_do_not_unpickle_are_made_anew(tmp_path: Path) -> None:
    """An index file damaged inside (its stamp intact, every file's index unreadable): a run
    after an edit makes anew what it reads, gives the findings of a run without cache, and
    caches the indexes again."""
    import pickle

    from chanlint.index.cache import INDEX_FILE

    project, cache = real_project(tmp_path), tmp_path / "cache"
    run(project, cache)
    stored = pickle.loads((cache / INDEX_FILE).read_bytes())
    stored.data = {path: (*entry[:3], b"\x80\x05damaged") for path, entry in stored.data.items()}
    (cache / INDEX_FILE).write_bytes(pickle.dumps(stored))
    edited = project / "dags" / "example_xcom.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nX = 1\n", encoding="utf-8")
    after = run(project, cache)
    assert after.tasks_run >= 1
    assert shown(after, project) == shown(run(project, None), project)
    blobs = [entry[3] for entry in pickle.loads((cache / INDEX_FILE).read_bytes()).data.values()]
    assert sum(blob != b"\x80\x05damaged" for blob in blobs) > 1  # the edited file's and those rebuilt
