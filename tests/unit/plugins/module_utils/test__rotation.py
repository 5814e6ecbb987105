# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import datetime
import glob
import hashlib
import json
import multiprocessing
import os

import pytest
from custody import make_files

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import AuditTrail
from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError, LockTimeoutError
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import (
    Rotation,
    expand_paths,
    key_coverage,
    rotation_status,
)

T0 = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)


def plaintext_of(path: str, ring: KeyRing) -> bytes:
    with open(path, "rb") as handle:
        return decrypt(handle.read(), ring, path=path).document.to_bytes()


def digest_all(paths) -> dict[str, str]:
    result = {}
    for path in paths:
        with open(path, "rb") as handle:
            result[path] = hashlib.sha256(handle.read()).hexdigest()
    return result


@pytest.fixture()
def setup(tmp_path):
    old = KeyRing([Key.generate()])
    files = make_files(str(tmp_path / "env"), old)
    return tmp_path, old, files


def rotation(tmp_path, ring: KeyRing, **kwargs) -> Rotation:
    options = dict(paths=[str(tmp_path / "env")], ring=ring, new_key_file=str(tmp_path / "new.key"),
                   audit_file=str(tmp_path / "audit.jsonl"), reason="test")
    options.update(kwargs)
    return Rotation(**options)


def test_rotation_re_encrypts_verifies_backs_up_and_audits(setup) -> None:
    tmp_path, old, files = setup
    result = rotation(tmp_path, old).run()
    new_ring = KeyRing.from_file(str(tmp_path / "new.key"))
    assert len(new_ring.keys) == 1 and new_ring.primary.fingerprint == result["new_key_fingerprint"]
    for path, text in files.items():
        assert plaintext_of(path, new_ring) == text
    assert result["changed"] and sorted(f["path"] for f in result["files"]) == sorted(files)
    assert len(result["backups"]) == len(files)
    for backup in result["backups"]:
        original = backup.rsplit(".", 2)[0]
        assert plaintext_of(backup, old) == files[original]
    records = AuditTrail(str(tmp_path / "audit.jsonl")).check()
    assert records.intact
    assert [r["status"] for r in records.records] == ["initiated", "completed"]
    done = records.records[-1]
    assert done["id"] == result["audit_id"] and done["verified"] is True
    assert done["old_key_fingerprint"] == old.primary.fingerprint
    assert all(len(f["sha256"]) == 64 for f in done["files"])
    assert not glob.glob(str(tmp_path / "env" / ".*.tmp"))


def test_formats_are_kept(setup) -> None:
    tmp_path, old, files = setup
    before = {path: EncryptedEnv.parse(open(path, "rb").read()).format for path in files}
    rotation(tmp_path, old).run()
    after = {path: EncryptedEnv.parse(open(path, "rb").read()).format for path in files}
    assert before == after and set(after.values()) == {"values", "whole", "bare"}


def test_keep_old_key_leaves_the_ring(setup) -> None:
    tmp_path, old, files = setup
    result = rotation(tmp_path, old, keep_old_key=True).run()
    ring = KeyRing.from_file(str(tmp_path / "new.key"))
    assert ring.fingerprints == [result["new_key_fingerprint"], old.primary.fingerprint]


def test_one_undecryptable_file_changes_nothing_and_records_failed(setup) -> None:
    tmp_path, old, files = setup
    stranger = KeyRing([Key.generate()])
    bad = str(tmp_path / "env" / "zz-foreign.env.encrypted")
    with open(bad, "wb") as handle:
        handle.write(encrypt(EnvDocument.parse("A=1\n"), stranger))
    before = digest_all([*files, bad])
    with pytest.raises(FernetDotenvError) as info:
        rotation(tmp_path, old).run()
    assert "no file was changed" in str(info.value) and "zz-foreign.env.encrypted" in str(info.value)
    assert f"file kid {stranger.primary.kid}" in str(info.value)
    assert digest_all([*files, bad]) == before
    records = AuditTrail(str(tmp_path / "audit.jsonl")).check().records
    # every file is opened before anything is written: the failure is the only record, and no key file exists
    assert [r["status"] for r in records] == ["failed"]
    assert "zz-foreign.env.encrypted" in records[-1]["error"]
    assert not glob.glob(str(tmp_path / "env" / ".*.tmp"))
    assert not glob.glob(str(tmp_path / "env" / "*.bak"))
    assert not (tmp_path / "new.key").exists()


def test_a_file_that_is_not_encrypted_is_refused_and_recorded(setup) -> None:
    tmp_path, old, files = setup
    plain = tmp_path / "env" / "plain.env.encrypted"
    plain.write_text("A=1\n")
    before = digest_all([*files, str(plain)])
    with pytest.raises(FernetDotenvError, match=r"no file was changed.*plain.env.encrypted: not an encrypted"):
        rotation(tmp_path, old).run()
    assert digest_all([*files, str(plain)]) == before
    records = AuditTrail(str(tmp_path / "audit.jsonl")).check().records
    assert [r["status"] for r in records] == ["failed"] and "plain.env.encrypted" in records[0]["error"]
    assert not (tmp_path / "new.key").exists()


def test_only_if_due_skips_until_the_interval_passed(setup) -> None:
    tmp_path, old, files = setup
    first = rotation(tmp_path, old, only_if_due=True, now=T0).run()
    assert first["changed"] and not first["skipped"]
    ring = KeyRing.from_file(str(tmp_path / "new.key"))
    soon = rotation(tmp_path, ring, only_if_due=True, now=T0 + datetime.timedelta(days=89)).run()
    assert soon["skipped"] and not soon["changed"] and soon["next_rotation_due"] == "2026-04-01T12:00:00Z"
    later = rotation(tmp_path, ring, only_if_due=True, now=T0 + datetime.timedelta(days=90, seconds=1)).run()
    assert later["changed"] and not later["skipped"]
    final = KeyRing.from_file(str(tmp_path / "new.key"))
    assert all(plaintext_of(path, final) == text for path, text in files.items())


def test_interval_zero_is_due_at_once(setup) -> None:
    tmp_path, old = setup[0], setup[1]
    rotation(tmp_path, old, now=T0).run()
    ring = KeyRing.from_file(str(tmp_path / "new.key"))
    again = rotation(tmp_path, ring, only_if_due=True, interval_days=0, now=T0).run()
    assert again["changed"]


def test_same_new_key_again_is_idempotent(setup) -> None:
    tmp_path, old = setup[0], setup[1]
    new = Key.generate()
    assert rotation(tmp_path, old, new_key=new, new_key_file=None).run()["changed"]
    again = rotation(tmp_path, old.with_primary(new), new_key=new, new_key_file=None).run()
    assert not again["changed"]


def test_check_mode_writes_nothing(setup) -> None:
    tmp_path, old, files = setup
    before = sorted(os.listdir(tmp_path)), digest_all(files)
    result = rotation(tmp_path, old, check_mode=True).run()
    assert result["changed"] and len(result["files"]) == len(files)
    assert result["new_key_fingerprint"] is None
    assert (sorted(os.listdir(tmp_path)), digest_all(files)) == before


def test_a_generated_key_needs_a_home(setup) -> None:
    tmp_path, old = setup[0], setup[1]
    with pytest.raises(FernetDotenvError, match="would exist nowhere"):
        rotation(tmp_path, old, new_key_file=None).run()


def test_path_expansion(tmp_path) -> None:
    (tmp_path / "d" / ".hidden").mkdir(parents=True)
    for name in ["a.env.encrypted", ".dot.env.encrypted", ".hidden/b.encrypted", "skip.bak", "notes.txt"]:
        (tmp_path / "d" / name).write_text("x")
    (tmp_path / "g1.env.encrypted").write_text("x")
    found = expand_paths([str(tmp_path / "d"), str(tmp_path / "g*.env.encrypted"), str(tmp_path / "d" / "a.env.encrypted")])
    names = sorted(os.path.relpath(path, tmp_path) for path in found)
    assert names == ["d/.dot.env.encrypted", "d/.hidden/b.encrypted", "d/a.env.encrypted", "g1.env.encrypted"]
    with pytest.raises(FernetDotenvError, match="no such file or directory"):
        expand_paths([str(tmp_path / "missing")])
    with pytest.raises(FernetDotenvError, match="matched no encrypted file"):
        expand_paths([str(tmp_path / "nothing-*.encrypted")])


def _compete(tmp_path, ring_text: str, name: str, barrier, results) -> None:
    ring = KeyRing.from_text(ring_text)
    barrier.wait()
    try:
        outcome = rotation(tmp_path, ring, new_key_file=str(tmp_path / f"{name}.key"), lock_timeout=30).run()
        results[name] = ("ok", outcome["new_key_fingerprint"])
    except (FernetDotenvError, LockTimeoutError) as exc:
        results[name] = ("failed", str(exc))


def test_two_rotations_at_the_same_instant(setup) -> None:
    tmp_path, old, files = setup
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Manager().dict()
    workers = [context.Process(target=_compete, args=(tmp_path, old.to_text(), name, barrier, results))
               for name in ("first", "second")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    outcomes = dict(results)
    winners = [name for name, outcome in outcomes.items() if outcome[0] == "ok"]
    assert len(winners) == 1, outcomes
    loser = "second" if winners == ["first"] else "first"
    assert "audit.jsonl.lock" in outcomes[loser][1]
    ring = KeyRing.from_file(str(tmp_path / f"{winners[0]}.key"))
    assert ring.primary.fingerprint == outcomes[winners[0]][1]
    assert all(plaintext_of(path, ring) == text for path, text in files.items())


def test_status_reports_interrupted_and_tampering(tmp_path) -> None:
    trail = AuditTrail(str(tmp_path / "audit.jsonl"))
    status = rotation_status(trail, now=T0)
    assert status.overdue and status.next_rotation_due is None and not status.interrupted and status.audit_intact
    trail.append(dict(id="r1", event="rotation", status="initiated", time="2026-01-01T00:00:00Z"))
    trail.append(dict(id="r1", event="rotation", status="completed", time="2026-01-01T00:00:05Z"))
    status = rotation_status(trail, interval_days=90, now=T0)
    assert not status.overdue and status.days_until_due == 89 and status.next_rotation_due == "2026-04-01T00:00:05Z"
    trail.append(dict(id="r2", event="rotation", status="initiated"))
    assert rotation_status(trail, now=T0).interrupted
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    lines[1] = lines[1].replace("completed", "failed")
    (tmp_path / "audit.jsonl").write_text("\n".join(lines) + "\n")
    assert not rotation_status(trail, now=T0).audit_intact


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_owner_and_mode_are_kept(setup) -> None:
    tmp_path, old, files = setup
    for path in files:
        os.chown(path, 1, 1)
        os.chmod(path, 0o640)
    rotation(tmp_path, old).run()
    for path in files:
        info = os.stat(path)
        assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (1, 1, 0o640)


def test_key_coverage_names_the_keys_files_and_backups_need(setup) -> None:
    tmp_path, old, files = setup
    first = rotation(tmp_path, old).run()
    current = KeyRing.from_file(str(tmp_path / "new.key"))
    trail = AuditTrail(str(tmp_path / "audit.jsonl"))
    everything = key_coverage([str(tmp_path / "env")], keys=KeyRing.union(current, old), trail=trail)
    assert everything.keys_needed == sorted({old.primary.kid, current.primary.kid})
    assert everything.keys_missing == [] and everything.files_missing_key == []
    assert everything.files == len(files) and everything.backups == len(first["backups"])
    new_only = key_coverage([str(tmp_path / "env")], keys=current, trail=trail)
    # a bare token names no key: a backup no key at hand authenticates counts as "unknown"
    assert new_only.keys_missing == sorted([old.primary.kid, "unknown"])
    assert sorted(new_only.files_missing_key) == sorted(first["backups"])
    nothing = key_coverage([str(tmp_path / "env" / "app0.env.encrypted")], keys=None)
    assert nothing.keys_missing == nothing.keys_needed and nothing.files == 1


def test_only_if_due_finishes_an_interrupted_rotation(setup) -> None:
    tmp_path, old, files = setup
    rotation(tmp_path, old, now=T0).run()
    ring = KeyRing.from_file(str(tmp_path / "new.key"))
    trail = AuditTrail(str(tmp_path / "audit.jsonl"))
    interrupted = Key.generate()
    trail.append(dict(id="cut", event="rotation", status="initiated", new_key_fingerprint=interrupted.fingerprint,
                      time="2026-01-02T00:00:00Z"), key=interrupted)
    soon = T0 + datetime.timedelta(days=3)
    assert rotation_status(trail, now=soon).interrupted and not rotation_status(trail, now=soon).overdue
    result = rotation(tmp_path, ring.with_primary(interrupted), only_if_due=True, now=soon).run()
    assert result["changed"] and result["resumed"] and result["audit_id"] == "cut"
    assert result["new_key_fingerprint"] == interrupted.fingerprint
    assert [r["status"] for r in trail.check().records][-2:] == ["in_progress", "completed"]
    assert not rotation_status(trail, now=soon).interrupted


def test_a_backup_name_taken_after_it_was_chosen_is_never_written_through(setup, monkeypatch) -> None:
    """Security review finding 7: when the hard link failed, 0.1.0 copied to the name it had chosen with
    shutil.copy2, following a symlink planted there in the meantime."""
    tmp_path, old, files = setup
    victim = tmp_path / "victim.conf"
    victim.write_text("keep me\n")
    real_link = os.link
    planted = []

    def link(source, target, *args, **kwargs):
        if target.endswith(".bak") and not planted:
            os.symlink(victim, target)  # the race: the name is taken between choosing it and using it
            planted.append(target)
            raise OSError(18, "Invalid cross-device link")  # and the file system refuses hard links
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    result = rotation(tmp_path, old).run()
    assert victim.read_text() == "keep me\n" and os.path.islink(planted[0])
    assert planted[0] not in result["backups"] and len(result["backups"]) == len(files)


def test_the_last_rotation_counts_for_a_job_given_only_the_new_ring(setup) -> None:
    """AWX after the contract: the credential holds the new key alone, the old one is in an archive the job does
    not see. The completed record is signed with the new key too, so the schedule still trusts it."""
    tmp_path, old = setup[0], setup[1]
    rotation(tmp_path, old, now=T0).run()
    new_ring = KeyRing.from_file(str(tmp_path / "new.key"))
    assert old.primary not in new_ring.keys
    status = rotation_status(AuditTrail(str(tmp_path / "audit.jsonl")), now=T0, keys=new_ring)
    assert status.last_rotation is not None and not status.overdue and not status.interrupted
    # and a MAC under a key at hand still has to verify when the other one cannot be checked
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    record = json.loads(lines[-1])
    new_mac = record["mac"].split(" ")[-1]
    forged = lines[-1].replace(new_mac, new_mac[:-4] + ("0000" if not new_mac.endswith("0000") else "1111"))
    (tmp_path / "audit.jsonl").write_text("\n".join([*lines[:-1], forged]) + "\n")
    status = rotation_status(AuditTrail(str(tmp_path / "audit.jsonl")), now=T0, keys=new_ring)
    assert status.forged and status.last_rotation is None
