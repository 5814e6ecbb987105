# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
import time

import pytest

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import AuditTrail, FileLock, Locks
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import AuditError, LockTimeoutError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key

WRITERS = 6
PER_WRITER = 40


def _writer(path: str, writer: int) -> None:
    trail = AuditTrail(path)
    for n in range(PER_WRITER):
        trail.append({"event": "encrypt", "status": "completed", "writer": writer, "n": n})


def test_concurrent_writers_lose_no_line_and_keep_the_chain(tmp_path) -> None:
    path = str(tmp_path / "audit.jsonl")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(path, w)) for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    check = AuditTrail(path).check()
    assert check.intact, check.problem
    seen = {(r["writer"], r["n"]) for r in check.records}
    assert len(check.records) == WRITERS * PER_WRITER == len(seen)


def filled(tmp_path, count: int = 5) -> tuple[str, list[bytes]]:
    path = str(tmp_path / "audit.jsonl")
    trail = AuditTrail(path)
    for n in range(count):
        trail.append({"event": "rotation", "status": "completed", "n": n, "old_key_fingerprint": "sha256:" + "0" * 64})
    with open(path, "rb") as handle:
        return path, handle.read().splitlines(keepends=True)


@pytest.mark.parametrize("index", range(4))
def test_editing_any_earlier_line_is_detected(tmp_path, index: int) -> None:
    path, lines = filled(tmp_path)
    lines[index] = lines[index].replace(b'"completed"', b'"failed"')
    with open(path, "wb") as handle:
        handle.write(b"".join(lines))
    check = AuditTrail(path).check()
    assert not check.intact and f"line {index + 2}" in check.problem


@pytest.mark.parametrize("index", range(4))
def test_deleting_any_earlier_line_is_detected(tmp_path, index: int) -> None:
    path, lines = filled(tmp_path)
    del lines[index]
    with open(path, "wb") as handle:
        handle.write(b"".join(lines))
    assert not AuditTrail(path).check().intact


def test_first_record_and_fields(tmp_path) -> None:
    path = str(tmp_path / "audit.jsonl")
    record = AuditTrail(path).append({"event": "key_generated", "status": "completed"})
    assert record["prev"] is None and len(record["id"]) == 32 and record["time"].endswith("Z")
    assert AuditTrail(path).check().records == [record]
    assert AuditTrail(str(tmp_path / "none.jsonl")).check().intact


@pytest.mark.parametrize("padded", [True, False], ids=["padded", "unpadded"])
def test_a_key_never_enters_the_trail(tmp_path, padded: bool) -> None:
    key = Key.generate().to_text()
    key = key if padded else key.rstrip("=")
    for record in ({"event": "oops", "reason": f"pasted {key}"}, {"event": "oops", "actor": {"note": key}},
                   {"event": "oops", "reason": f"{key},next"}):
        with pytest.raises(AuditError, match="shaped like a Fernet key"):
            AuditTrail(str(tmp_path / "a.jsonl")).append(record)
    assert not (tmp_path / "a.jsonl").read_bytes()
    # fingerprints and ids are not keys
    AuditTrail(str(tmp_path / "a.jsonl")).append({"event": "ok", "new_key_fingerprint": "sha256:" + "ab" * 32})


def test_torn_last_line_is_reported_and_appends_continue(tmp_path) -> None:
    path, lines = filled(tmp_path, 2)
    with open(path, "ab") as handle:
        handle.write(b'{"event":"rot')
    AuditTrail(path).append({"event": "after"})
    check = AuditTrail(path).check()
    assert not check.intact and f"{path} line 3 cannot be read: the record is not JSON" == check.problem
    assert check.unreadable == check.problem
    assert check.records[-1]["event"] == "after"


def test_lock_waits_then_fails_naming_the_lock(tmp_path) -> None:
    lock_path = str(tmp_path / "audit.jsonl.lock")
    with FileLock(lock_path, timeout=1):
        with pytest.raises(LockTimeoutError, match=r"audit\.jsonl\.lock \(held by pid \d+"):
            with FileLock(lock_path, timeout=0.3):
                pass
    released = threading.Event()

    def hold() -> None:
        with FileLock(lock_path, timeout=1):
            released.wait(0.5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.1)
    started = time.monotonic()
    with FileLock(lock_path, timeout=5):
        waited = time.monotonic() - started
    holder.join()
    assert waited > 0.2


def test_a_symlink_as_lock_is_refused_and_its_target_untouched(tmp_path) -> None:
    victim = tmp_path / "victim.conf"
    victim.write_text("setting=1\n" * 40)
    (tmp_path / "audit.jsonl.lock").symlink_to(victim)
    with pytest.raises(AuditError, match="Cannot open the lock .*audit.jsonl.lock"):
        with FileLock(str(tmp_path / "audit.jsonl.lock"), timeout=1):
            pass
    assert victim.read_text() == "setting=1\n" * 40


def test_a_hard_link_as_lock_is_refused(tmp_path) -> None:
    victim = tmp_path / "victim.conf"
    victim.write_text("setting=1\n")
    os.link(victim, tmp_path / "audit.jsonl.lock")
    with pytest.raises(AuditError, match="not a regular file of its own"):
        with FileLock(str(tmp_path / "audit.jsonl.lock"), timeout=1):
            pass
    assert victim.read_text() == "setting=1\n"


def test_a_lock_timeout_never_prints_what_a_planted_lock_points_at(tmp_path) -> None:
    """0.1.0 followed a symlink at the lock's name and, on a timeout, printed 200 bytes of the file behind it."""
    victim = tmp_path / "victim.conf"
    victim.write_text("password=maybe a secret\n")
    (tmp_path / "audit.jsonl.lock").symlink_to(victim)
    with open(victim, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # someone holds the file behind the link
        with pytest.raises((AuditError, LockTimeoutError)) as info:
            with FileLock(str(tmp_path / "audit.jsonl.lock"), timeout=0.3):
                pass
    assert "maybe a secret" not in str(info.value)
    assert victim.read_text() == "password=maybe a secret\n"


def test_the_holder_of_our_own_lock_file_is_named(tmp_path) -> None:
    lock_path = tmp_path / "audit.jsonl.lock"
    with FileLock(str(lock_path), timeout=1):
        with pytest.raises(LockTimeoutError, match=r"held by pid \d+ on "):
            with FileLock(str(lock_path), timeout=0.2):
                pass


def test_locks_are_taken_in_one_order_and_a_directory_lock_leaves_no_file(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    before = sorted(os.listdir(tmp_path / "a"))
    with Locks(files=[str(tmp_path / "t.lock")], directories=[str(tmp_path / "b"), str(tmp_path / "a")], timeout=1):
        assert sorted(os.listdir(tmp_path / "a")) == before
        with pytest.raises(LockTimeoutError, match=r"waiting for the lock on the directory .*/a: another rotation"):
            with Locks(files=[], directories=[str(tmp_path / "a")], timeout=0.2):
                pass
    with Locks(files=[], directories=[str(tmp_path / "a")], timeout=0.2):
        pass


def test_locks_on_more_directories_than_the_open_file_limit(tmp_path) -> None:
    import resource

    directories = []
    for n in range(300):
        directory = tmp_path / f"d{n:03d}"
        directory.mkdir()
        directories.append(str(directory))
    saved = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, saved[1]))
    try:
        with Locks(files=[], directories=directories, timeout=1) as locks:
            assert len(locks.locks) == 300
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, saved)


def test_a_symlink_as_audit_trail_is_not_followed(tmp_path) -> None:
    victim = tmp_path / "victim.conf"
    victim.write_text("setting=1\n")
    (tmp_path / "audit.jsonl").symlink_to(victim)
    with pytest.raises(AuditError, match="Cannot write the audit trail"):
        AuditTrail(str(tmp_path / "audit.jsonl")).append({"event": "rotation", "status": "initiated"})
    assert victim.read_text() == "setting=1\n"
