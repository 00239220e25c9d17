"""solver.atomic.write_atomically: all or nothing, plain-open permissions, no umask race."""
from __future__ import annotations

import os
import stat
import threading

import pytest

from solver.atomic import write_atomically


def _write_text(text: str):
    def write(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write(text)
    return write


def test_replaces_complete_file_with_plain_open_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    write_atomically(target, _write_text("new"))
    assert target.read_text() == "new"
    plain = tmp_path / "plain.txt"
    plain.write_text("x")   # what open() gives under the current umask
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt", "plain.txt"]


def test_failure_leaves_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def broken(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_process_umask_is_never_changed(tmp_path, monkeypatch):
    """The umask is process-wide: briefly setting it to 0 (to read it) would give files created
    by other threads in that window world-writable modes. The helper must never call it."""
    calls = []
    real = os.umask
    monkeypatch.setattr(os, "umask", lambda mask: calls.append(mask) or real(mask))
    threads = [threading.Thread(target=write_atomically, args=(tmp_path / f"f{k}", _write_text("x")))
               for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == []
    assert len(list(tmp_path.iterdir())) == 4
