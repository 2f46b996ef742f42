"""chanlint reads scanned code; it never imports or runs it."""

from __future__ import annotations

import socket
import sys

from tests.helpers import check_folder, write_tree


def test_scanned_code_is_never_executed(tmp_path, monkeypatch) -> None:
    sentinel = tmp_path / "pwned.txt"
    opened: list[object] = []
    monkeypatch.setattr(socket, "socket", lambda *a, **k: opened.append(a))
    write_tree(
        tmp_path,
        {
            "dags/evil.py": (
                "import socket\nfrom airflow.sdk import DAG\n"
                f"open({str(sentinel)!r}, 'w').write('ran')\n"
                "socket.socket().connect(('127.0.0.1', 9))\n"
                "import evil_helper\n"
                "with DAG('evil'):\n    pass\n"
            ),
            "dags/evil_helper.py": f"open({str(sentinel)!r}, 'w').write('ran')\n",
        },
    )
    report = check_folder(tmp_path)
    assert report.files_scanned == 2
    assert not sentinel.exists()
    assert opened == []
    assert "evil" not in sys.modules and "evil_helper" not in sys.modules
