# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Key custody: the defects an outside review reproduced in 0.1.0, one test each.

Each test drives the engine as the module does (Rotation.run) and then checks the invariant: every encrypted file
and every backup opens, to its original bytes, with the ring the job was given + new_key_file + the key archive.
Interruptions are real: the rotation runs in a forked child that dies (os._exit) or stops at a chosen call.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import multiprocessing
import os
import signal

import pytest
from custody import backups_under, covering_ring, make_files, unreadable

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import AuditTrail
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import Rotation, rotation_status

FORK = multiprocessing.get_context("fork")


def rotation(tmp_path, ring: KeyRing, **kwargs) -> Rotation:
    options = dict(paths=[str(tmp_path / "env")], ring=ring, new_key_file=str(tmp_path / "next.key"),
                   audit_file=str(tmp_path / "audit.jsonl"), reason="test", lock_timeout=5)
    options.update(kwargs)
    return Rotation(**options)


def _die_at_rename(options: dict, ring_text: str, renames: int) -> None:
    """Child: run a rotation and die (as SIGKILL would) just before its renames-th rename of a temp file."""
    real_replace = os.replace
    seen = [0]

    def replace(source, target):
        if ".rotate-" in os.path.basename(source):
            seen[0] += 1
            if seen[0] == renames:
                os._exit(9)
        return real_replace(source, target)

    os.replace = replace
    Rotation(ring=KeyRing.from_text(ring_text), **options).run()
    os._exit(0)


def killed_mid_rotation(tmp_path, ring: KeyRing, renames: int, **kwargs) -> None:
    options = dict(paths=[str(tmp_path / "env")], new_key_file=str(tmp_path / "next.key"),
                   audit_file=str(tmp_path / "audit.jsonl"), reason="killed")
    options.update(kwargs)
    child = FORK.Process(target=_die_at_rename, args=(options, ring.to_text(), renames))
    child.start()
    child.join(60)
    assert child.exitcode == 9, "the rotation was not interrupted"


def assert_custody(tmp_path, job_ring: KeyRing, texts: dict[str, bytes]) -> None:
    ring = covering_ring(job_ring, str(tmp_path / "next.key"))
    assert unreadable(texts, ring) == [], "files that no key the user holds opens"
    backups = backups_under(str(tmp_path / "env"), texts)
    assert unreadable(backups, ring) == [], "backups that no key the user holds opens"


def test_stale_rerun_after_an_interruption_keeps_the_interrupted_key(tmp_path) -> None:
    """Defect 1: run 1 (ring K0, generated K1) is killed after some renames; the same job runs again with K0 and
    generates K2. 0.1.0 wrote next.key = K2,K0 before opening a file, then failed on the files under K1: K1 gone."""
    k0 = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), k0, count=9)
    killed_mid_rotation(tmp_path, k0, renames=4, backup=False)
    assert_custody(tmp_path, k0, texts)
    try:
        rotation(tmp_path, k0, backup=False).run()
    except FernetDotenvError:
        pass  # refusing is allowed; losing a key is not
    assert_custody(tmp_path, k0, texts)


def test_the_guides_setup_keeps_the_backups_readable(tmp_path) -> None:
    """Defect 2: master_key_file == new_key_file, backup on, keep_old_key off: 0.1.0 left the new key alone in the
    key file and nothing on disk opened the .bak files."""
    k0 = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), k0)
    key_file = tmp_path / "next.key"
    key_file.write_text(k0.to_text())
    rotation(tmp_path, KeyRing.from_file(str(key_file)), backup=True, keep_old_key=False).run()
    after_first = KeyRing.from_file(str(key_file))
    rotation(tmp_path, after_first, backup=True, keep_old_key=False).run()
    assert len(KeyRing.from_file(str(key_file)).keys) == 1
    assert len(backups_under(str(tmp_path / "env"), texts)) == 2 * len(texts)
    # the user holds only the key file (and its archive) now: the job's ring is what the file held
    assert_custody(tmp_path, KeyRing.from_file(str(key_file)), texts)


def test_a_stale_job_after_another_rotation_keeps_that_rotations_key(tmp_path) -> None:
    """Defect 3 (overlap, sequential form): rotation A (audit a.jsonl) completes; rotation B of an overlapping path
    set with its own audit file and the stale ring K0 then wrote next.key = KB,K0 and failed: KA gone."""
    k0 = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), k0, count=6, subdirectory="prod")
    rotation(tmp_path, k0, audit_file=str(tmp_path / "a.jsonl"), backup=False).run()
    try:
        rotation(tmp_path, k0, paths=[str(tmp_path / "env" / "prod")], audit_file=str(tmp_path / "b.jsonl"),
                 backup=False).run()
    except FernetDotenvError:
        pass
    assert_custody(tmp_path, k0, texts)


def _paused_rotation(options: dict, ring_text: str, paused, resume) -> None:
    """Child: run a rotation that stops before its first rename of a temp file until told to go on."""
    real_replace = os.replace

    def replace(source, target):
        if ".rotate-" in os.path.basename(source) and not paused.is_set():
            paused.set()
            resume.wait(60)
        return real_replace(source, target)

    os.replace = replace
    Rotation(ring=KeyRing.from_text(ring_text), **options).run()
    os._exit(0)


def test_overlapping_rotations_with_different_audit_files_do_not_run_at_once(tmp_path) -> None:
    """Defect 3 (overlap, concurrent form): A (env/, a.jsonl) has written its temps; B (env/prod, b.jsonl) took a
    different lock in 0.1.0, deleted A's live temps and rotated the files under A."""
    k0 = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), k0, count=6, subdirectory="prod")
    paused, resume = FORK.Event(), FORK.Event()
    # key files in directories of their own: only the directories of the rotated files are shared
    (tmp_path / "ka").mkdir()
    (tmp_path / "kb").mkdir()
    options = dict(paths=[str(tmp_path / "env")], new_key_file=str(tmp_path / "ka" / "a.key"),
                   audit_file=str(tmp_path / "a.jsonl"), reason="A", backup=False)
    first = FORK.Process(target=_paused_rotation, args=(options, k0.to_text(), paused, resume))
    first.start()
    try:
        assert paused.wait(60), "rotation A did not reach its renames"
        temps = sorted(name for _root, _dirs, names in os.walk(tmp_path / "env") for name in names
                       if ".rotate-" in name)
        assert temps
        with pytest.raises(FernetDotenvError, match=r"waiting for the lock on the directory .*env/prod"):
            rotation(tmp_path, k0, paths=[str(tmp_path / "env" / "prod")], new_key_file=str(tmp_path / "kb" / "b.key"),
                     audit_file=str(tmp_path / "b.jsonl"), backup=False, lock_timeout=1).run()
        assert temps == sorted(name for _root, _dirs, names in os.walk(tmp_path / "env") for name in names
                               if ".rotate-" in name), "rotation B touched rotation A's live temp files"
    finally:
        resume.set()
        first.join(60)
        if first.exitcode is None:
            os.kill(first.pid, signal.SIGKILL)
    assert first.exitcode == 0
    ring = KeyRing.from_file(str(tmp_path / "ka" / "a.key"))
    assert unreadable(texts, ring) == []
    assert not (tmp_path / "kb" / "b.key").exists()


def _die_before_completed(options: dict, ring_text: str) -> None:
    real_append = AuditTrail.append

    def append(self, record, **options):
        if record.get("status") == "completed":
            os._exit(9)
        return real_append(self, record, **options)

    AuditTrail.append = append
    Rotation(ring=KeyRing.from_text(ring_text), **options).run()
    os._exit(0)


def test_recovery_that_finds_nothing_left_closes_the_open_record(tmp_path) -> None:
    """Related defect: killed after its last rename, before "completed"; the recovery run with new_key = the
    interrupted key found nothing to re-encrypt and wrote no record, so interrupted stayed true for ever."""
    k0 = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), k0)
    options = dict(paths=[str(tmp_path / "env")], new_key_file=str(tmp_path / "next.key"),
                   audit_file=str(tmp_path / "audit.jsonl"), reason="killed")
    child = FORK.Process(target=_die_before_completed, args=(options, k0.to_text()))
    child.start()
    child.join(60)
    assert child.exitcode == 9
    trail = AuditTrail(str(tmp_path / "audit.jsonl"))
    assert rotation_status(trail).interrupted
    ring = KeyRing.from_file(str(tmp_path / "next.key"))
    rotation(tmp_path, ring, new_key=ring.primary, reason="recovery").run()
    assert not rotation_status(trail).interrupted
    closing = trail.check().records[-1]
    interrupted_id = trail.check().records[0]["id"]
    assert closing["status"] == "completed" and closing["id"] == interrupted_id
    assert_custody(tmp_path, k0, texts)


def _forge(path: str, **fields) -> None:
    """Append a record with a correct chain link, as a careless tool (or an editor) would."""
    trail = AuditTrail(path)
    record = dict(id="forged", time="2026-01-01T00:00:00Z", event="rotation", status="completed")
    record.update(fields)
    record = {name: value for name, value in record.items() if value is not Ellipsis}
    entry = trail.append(record)
    if "time" not in record:
        # append() fills in a missing time: write the line again without it, keeping prev
        with open(path, "rb") as handle:
            lines = handle.read().splitlines()
        del entry["time"]
        lines[-1] = json.dumps(entry, separators=(",", ":")).encode()
        with open(path, "wb") as handle:
            handle.write(b"\n".join(lines) + b"\n")


@pytest.mark.parametrize("fields", [
    dict(time="yesterday"),
    dict(time=Ellipsis),
    dict(id=["a", "list"]),
    dict(status="initiated", id={"a": "dict"}),
    dict(time=12),
    dict(event=None),
    dict(time="9999-12-31T23:59:59Z"),
], ids=["time-yesterday", "time-missing", "id-list", "id-dict", "time-number", "event-null", "time-year-9999"])
def test_a_malformed_record_is_reported_with_file_and_line(tmp_path, fields) -> None:
    """Related defect: a record of the wrong shape made rotation_info and rotate_key die with a raw Python error."""
    k0 = KeyRing([Key.generate()])
    make_files(str(tmp_path / "env"), k0)
    audit = str(tmp_path / "audit.jsonl")
    AuditTrail(audit).append(dict(event="rotation", status="completed", time="2025-12-01T00:00:00Z"))
    _forge(audit, **fields)
    status = rotation_status(AuditTrail(audit), interval_days=90)
    assert not status.audit_intact
    assert audit in status.problem and "line 2" in status.problem
    with pytest.raises(FernetDotenvError) as info:
        rotation(tmp_path, k0, only_if_due=True).run()
    assert audit in str(info.value) and "line 2" in str(info.value)


def test_an_interval_beyond_the_calendar_is_a_clear_error(tmp_path) -> None:
    k0 = KeyRing([Key.generate()])
    make_files(str(tmp_path / "env"), k0)
    audit = str(tmp_path / "audit.jsonl")
    AuditTrail(audit).append(dict(event="rotation", status="completed", time="2025-12-01T00:00:00Z"))
    for days in (1_000_000_000, -1):
        with pytest.raises(FernetDotenvError, match="rotation_interval_days"):
            rotation_status(AuditTrail(audit), interval_days=days)
        with pytest.raises(FernetDotenvError, match="rotation_interval_days"):
            rotation(tmp_path, k0, interval_days=days).run()


def test_worker_processes_rotate_exactly_like_one_process(tmp_path) -> None:
    k0 = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), k0, count=24, subdirectory="prod")
    result = rotation(tmp_path, k0, workers=2).run()
    assert result["changed"] and len(result["files"]) == 24 and len(result["backups"]) == 24
    ring = KeyRing.from_file(str(tmp_path / "next.key"))
    assert ring.fingerprints == [result["new_key_fingerprint"]]
    assert unreadable(texts, ring) == []
    assert_custody(tmp_path, k0, texts)
    assert not [name for _root, _dirs, names in os.walk(tmp_path) for name in names if name.endswith(".tmp")]
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every worker was reaped


def test_a_file_no_worker_can_open_changes_nothing(tmp_path) -> None:
    k0 = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), k0, count=24)
    stranger = KeyRing([Key.generate()])
    foreign = make_files(str(tmp_path / "env" / "foreign"), stranger, count=1)
    before = {path: open(path, "rb").read() for path in [*texts, *foreign]}
    with pytest.raises(FernetDotenvError, match=rf"no file was changed.*foreign.*file kid {stranger.primary.kid}"):
        rotation(tmp_path, k0, workers=2).run()
    assert before == {path: open(path, "rb").read() for path in before}
    assert not (tmp_path / "next.key").exists()
    assert [r["status"] for r in AuditTrail(str(tmp_path / "audit.jsonl")).check().records] == ["failed"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_temp_that_does_not_verify_changes_nothing(tmp_path, monkeypatch, workers) -> None:
    """The check of step 6 is real: a re-encryption that differs (here, one byte of a whole-format plaintext)
    stops the rotation before any rename, in this process or in a worker."""
    from ansible_collections.fernet.dotenv.plugins.module_utils import _rotation

    k0 = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), k0, count=24)
    real_reencrypt = _rotation.reencrypt

    def corrupting(opened, ring):
        if opened.path.endswith("app7.env.encrypted"):
            opened.plaintext = opened.plaintext + b"#"
        return real_reencrypt(opened, ring)

    monkeypatch.setattr(_rotation, "reencrypt", corrupting)
    before = {path: open(path, "rb").read() for path in texts}
    with pytest.raises(FernetDotenvError, match=r"no file was changed.*Verification of .*app7.env.encrypted failed"):
        rotation(tmp_path, k0, workers=workers).run()
    assert before == {path: open(path, "rb").read() for path in texts}
    assert not [name for name in os.listdir(tmp_path / "env") if name.endswith((".tmp", ".bak"))]
    assert_custody(tmp_path, k0, texts)


def _append_raw(path: str, record: dict) -> None:
    """Append a record with a correct chain link and no MAC - what anyone who can write the file can do."""
    with open(path, "rb") as handle:
        last = handle.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    record = dict(record, prev=hashlib.sha256(last).hexdigest())
    with open(path, "a") as handle:
        handle.write(json.dumps(record, separators=(",", ":")) + "\n")


def test_a_forged_completed_record_does_not_switch_off_the_schedule(tmp_path) -> None:
    """Security review finding 8: a completed record appended with a correct prev gave overdue: false, next due
    2099, and only_if_due skipped for ever."""
    k0 = KeyRing([Key.generate()])
    make_files(str(tmp_path / "env"), k0)
    rotation(tmp_path, k0).run()
    audit = str(tmp_path / "audit.jsonl")
    _append_raw(audit, dict(id="forged", time="2099-01-01T00:00:00Z", event="rotation", status="completed"))
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=200)
    ring = KeyRing.from_file(str(tmp_path / "next.key"))
    status = rotation_status(AuditTrail(audit), now=later, keys=ring)
    assert status.overdue and not status.audit_intact and "line 3" in status.problem
    with pytest.raises(FernetDotenvError, match=r"Refusing to rotate: the audit trail .*audit.jsonl line 3 carries no MAC"):
        rotation(tmp_path, ring, only_if_due=True, now=later).run()


def test_an_edited_signed_record_is_detected_even_with_the_chain_rewritten(tmp_path) -> None:
    k0 = KeyRing([Key.generate()])
    make_files(str(tmp_path / "env"), k0)
    rotation(tmp_path, k0).run()
    audit = tmp_path / "audit.jsonl"
    lines = audit.read_text().splitlines()
    lines[1] = lines[1].replace('"reason":"test"', '"reason":"moved"')
    # whoever edits a line can recompute every prev after it; only the MAC needs the key
    for index in range(2, len(lines)):
        record = json.loads(lines[index])
        record["prev"] = hashlib.sha256(lines[index - 1].encode()).hexdigest()
        lines[index] = json.dumps(record, separators=(",", ":"))
    audit.write_text("\n".join(lines) + "\n")
    status = rotation_status(AuditTrail(str(audit)), keys=covering_ring(k0, str(tmp_path / "next.key")))
    assert not status.audit_intact and "line 2 has a MAC that does not verify" in status.problem
    assert status.last_rotation is None  # the edited completion counts for nothing


def test_records_are_verified_with_the_archived_keys_and_unknown_ones_do_not_count(tmp_path) -> None:
    k0 = KeyRing([Key.generate()])
    make_files(str(tmp_path / "env"), k0)
    rotation(tmp_path, k0).run()
    rotation(tmp_path, KeyRing.from_file(str(tmp_path / "next.key"))).run()
    held = covering_ring(k0, str(tmp_path / "next.key"))
    trail = AuditTrail(str(tmp_path / "audit.jsonl"))
    status = rotation_status(trail, keys=held)
    assert status.audit_intact and status.unverified == 0 and status.completed_rotations == 2
    stranger = rotation_status(trail, keys=KeyRing([Key.generate()]))
    assert stranger.audit_intact and stranger.unverified == 4 and stranger.last_rotation is None
    assert rotation_status(trail).completed_rotations == 2  # no key at hand: nothing is verified
