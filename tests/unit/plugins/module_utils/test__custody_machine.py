# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Key custody as a state machine: the engine's rotation (Rotation.run, what rotate_key runs), on real files.

Rules: rotate with the ring a job was given (the stale credential) or the ring in a key file, a generated or a
chosen new key, keep_old_key, backup, one of two audit files, one of two overlapping path sets (env/ or env/prod/),
one of two key files, in this process or with two worker processes; the same, interrupted at the Nth file system
write, rename, link or fsync (N drawn over the whole run) by an OSError or by the process ending as SIGKILL would;
finish with new_key = the first key of a key file (the interrupted rotation's key); and rotate with every key the
user holds, which must always succeed.

After every step:
- every encrypted file and every backup opens, to its original bytes, with what the user holds: the credential
  ring the files were first encrypted with + the key files + their archives;
- the set of encrypted files is the same (none lost, none partial: each opens), each trail's chain holds, every
  record reads and its MAC verifies with a key the user holds, and rotation_status says interrupted exactly when
  the trail has an open rotation (worked out here from the raw lines);
- an archive only grows: its earlier bytes are a prefix of its later ones;
- a run that returned (completed or refused) left no temp file in the directories it locked.

FERNET_DOTENV_CUSTODY_STEPS sets how many steps to run: 2,000 in `make test`, 20,000 in `make stress`.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import tempfile
from pathlib import Path

from custody import Faults, backups_under, make_files, read_keys, unreadable
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import AuditTrail
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import Rotation, rotation_status

STEPS = int(os.environ.get("FERNET_DOTENV_CUSTODY_STEPS", "2000"))
STEPS_PER_EXAMPLE = 30
KEY_FILES = ("next.key", "other.key")
AUDITS = ("a.jsonl", "b.jsonl")
TEMP = re.compile(r"\..+\.(?:rotate-|keyring-)[A-Za-z0-9_]+\.tmp")
FORK = multiprocessing.get_context("fork")
# a whole rotation of these files makes about 30 file system calls (28 without backups): faults land everywhere
FAULT_AT = st.integers(min_value=1, max_value=36)

TALLY = dict(steps=0, completed=0, refused=0, faults_raised=0, kills=0, kills_mid_rotation=0, resumed=0,
             files_or_backups_lost=0)


def _killed_child(rotation: Rotation, at: int) -> None:
    with Faults(at, mode="exit"):
        try:
            rotation.run()
        except FernetDotenvError:
            os._exit(3)
    os._exit(0)


def open_rotations(path: Path) -> set[str]:
    """Ids of rotations started and never ended, from the raw lines: any completed rotation ends every earlier one."""
    opened: set[str] = set()
    if not path.exists():
        return opened
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record["event"] not in ("rotation", "key_generated"):
            continue
        if record.get("status") in ("initiated", "in_progress") and record["event"] == "rotation":
            opened.add(record["id"])
        elif record.get("status") == "completed":
            opened.clear()
        elif record.get("status") == "failed":
            opened.discard(record["id"])
    return opened


class CustodyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="fernet-dotenv-custody-"))
        self.credential = KeyRing([Key.generate()])
        self.texts = make_files(str(self.root / "env"), self.credential, count=4, subdirectory="prod", variables=2)
        self.archives: dict[str, bytes] = {}

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def held(self) -> KeyRing:
        keys = list(self.credential.keys)
        for name in KEY_FILES:
            keys += read_keys(str(self.root / name)) + read_keys(str(self.root / f"{name}.retired"))
        return KeyRing(keys)

    def rotation(self, *, ring: KeyRing, key_name: str, audit: str, paths: str, **options) -> Rotation:
        where = self.root / "env" if paths == "all" else self.root / "env" / "prod"
        return Rotation(paths=[str(where)], ring=ring, new_key_file=str(self.root / key_name),
                        audit_file=str(self.root / audit), reason="custody machine", lock_timeout=5, **options)

    def job_ring(self, ring_from: str, key_name: str) -> KeyRing:
        key_file = self.root / key_name
        if ring_from == "key_file" and key_file.exists():
            return KeyRing.from_file(str(key_file))
        return self.credential

    def returned(self, rotation: Rotation, outcome: dict | None) -> None:
        """After a run that returned: no temp left where it held locks, and no open rotation if it completed."""
        locked = {os.path.dirname(os.path.realpath(path)) for path in self.texts
                  if os.path.realpath(path).startswith(os.path.realpath(rotation.paths[0]) + os.sep)}
        locked.add(str(self.root))
        for directory in locked:
            assert not [name for name in os.listdir(directory) if TEMP.fullmatch(name)], directory
        if outcome is not None:
            TALLY["completed"] += 1
            TALLY["resumed"] += bool(outcome.get("resumed"))
            if outcome["changed"]:
                # a rotation that completed ends every rotation its trail had open
                assert not open_rotations(Path(rotation.audit_file))
                if not rotation.keep_old_key:
                    assert len(read_keys(rotation.new_key_file)) == 1
        else:
            TALLY["refused"] += 1

    def run(self, rotation: Rotation) -> None:
        try:
            outcome = rotation.run()
        except FernetDotenvError:
            outcome = None
        self.returned(rotation, outcome)

    @rule(ring_from=st.sampled_from(["credential", "key_file"]), generated=st.booleans(), keep=st.booleans(),
          backup=st.booleans(), audit=st.sampled_from(AUDITS), paths=st.sampled_from(["all", "prod"]),
          key_name=st.sampled_from(KEY_FILES), workers=st.sampled_from([1, 1, 2]))
    def rotate(self, ring_from, generated, keep, backup, audit, paths, key_name, workers) -> None:
        TALLY["steps"] += 1
        self.run(self.rotation(ring=self.job_ring(ring_from, key_name), key_name=key_name, audit=audit, paths=paths,
                               new_key=None if generated else Key.generate(), keep_old_key=keep, backup=backup,
                               workers=workers))

    @rule(ring_from=st.sampled_from(["credential", "key_file"]), generated=st.booleans(), keep=st.booleans(),
          backup=st.booleans(), audit=st.sampled_from(AUDITS), paths=st.sampled_from(["all", "prod"]),
          key_name=st.sampled_from(KEY_FILES), workers=st.sampled_from([1, 1, 2]), at=FAULT_AT,
          mode=st.sampled_from(["raise", "exit"]))
    def interrupt(self, ring_from, generated, keep, backup, audit, paths, key_name, workers, at, mode) -> None:
        TALLY["steps"] += 1
        rotation = self.rotation(ring=self.job_ring(ring_from, key_name), key_name=key_name, audit=audit,
                                 paths=paths, new_key=None if generated else Key.generate(), keep_old_key=keep,
                                 backup=backup, workers=workers)
        if mode == "raise":
            with Faults(at) as faults:
                try:
                    outcome = rotation.run()
                except FernetDotenvError:
                    outcome = None
            TALLY["faults_raised"] += faults.fired
            self.returned(rotation, outcome)
            return
        child = FORK.Process(target=_killed_child, args=(rotation, at))
        child.start()
        child.join(60)
        assert child.exitcode in (0, 3, 9), child.exitcode
        if child.exitcode == 9:
            TALLY["kills"] += 1
            TALLY["kills_mid_rotation"] += bool(open_rotations(self.root / audit))

    @precondition(lambda self: any((self.root / name).exists() for name in KEY_FILES))
    @rule(key_name=st.sampled_from(KEY_FILES), audit=st.sampled_from(AUDITS), paths=st.sampled_from(["all", "prod"]))
    def finish_with_the_interrupted_key(self, key_name, audit, paths) -> None:
        TALLY["steps"] += 1
        key_file = self.root / key_name
        if not key_file.exists():
            return
        ring = KeyRing.from_file(str(key_file))
        self.run(self.rotation(ring=ring, key_name=key_name, audit=audit, paths=paths, new_key=ring.primary))

    @rule(key_name=st.sampled_from(KEY_FILES), audit=st.sampled_from(AUDITS), paths=st.sampled_from(["all", "prod"]),
          workers=st.sampled_from([1, 2]))
    def rotate_with_every_key_held(self, key_name, audit, paths, workers) -> None:
        TALLY["steps"] += 1
        rotation = self.rotation(ring=self.held(), key_name=key_name, audit=audit, paths=paths, workers=workers)
        self.returned(rotation, rotation.run())  # must not raise: every file opens with these keys

    @invariant()
    def every_file_and_backup_opens_with_what_the_user_holds(self) -> None:
        held = self.held()
        present = {str(path) for path in (self.root / "env").rglob("*.encrypted")}
        assert present == set(self.texts), "an encrypted file appeared or vanished"
        lost = unreadable(self.texts, held) + unreadable(backups_under(str(self.root / "env"), self.texts), held)
        TALLY["files_or_backups_lost"] += len(lost)
        assert not lost, f"{len(lost)} files or backups no key the user holds opens"

    @invariant()
    def trails_are_whole_and_interrupted_means_an_open_rotation(self) -> None:
        held = self.held()
        for name in AUDITS:
            path = self.root / name
            status = rotation_status(AuditTrail(str(path)), keys=held)
            # every record reads, the chain holds, and every record's MAC verifies with a key the user holds
            assert status.audit_intact and not status.unreadable and status.unverified == 0, status.problem
            assert status.interrupted == bool(open_rotations(path))

    @invariant()
    def archives_only_grow(self) -> None:
        for name in KEY_FILES:
            archive = self.root / f"{name}.retired"
            now = archive.read_bytes() if archive.exists() else b""
            assert now.startswith(self.archives.get(name, b"")), "an archive lost bytes"
            self.archives[name] = now


def test_key_custody_holds_at_every_step(capsys) -> None:
    before = dict(TALLY)
    while TALLY["steps"] - before["steps"] < STEPS:
        # an example runs close to STEPS_PER_EXAMPLE steps; the loop tops up what falls short
        remaining = STEPS - (TALLY["steps"] - before["steps"])
        run_state_machine_as_test(CustodyMachine, settings=settings(
            max_examples=max(1, remaining // STEPS_PER_EXAMPLE), stateful_step_count=STEPS_PER_EXAMPLE,
            deadline=None, suppress_health_check=list(HealthCheck), database=None))
    figures = {name: TALLY[name] - before[name] for name in TALLY}
    with capsys.disabled():
        print("\nkey custody state machine: " + ", ".join(f"{name} {value}" for name, value in figures.items()))
    assert figures["files_or_backups_lost"] == 0
    if STEPS >= 1000:
        # the run reached the states that matter (a few hundred steps may not: the matrix runs only show it works)
        assert figures["kills_mid_rotation"] > 0 and figures["faults_raised"] > 0 and figures["resumed"] > 0
