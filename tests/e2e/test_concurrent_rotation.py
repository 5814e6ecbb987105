# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two rotate_key runs at once, through ansible-playbook.

Same files, same audit trail: one rotates, the other waits for the lock and then refuses with a message that names
it; no file is lost or rotated into a key nobody holds. Overlapping paths (env/ and env/prod/) with different audit
trails and one key file, the ring a stale credential: they wait for each other on the directories they share, both
complete, and every file and backup still opens with what the user holds.

To make "at once" exact rather than a matter of start-up timing, the test holds a lock both need until both modules
are running (and so both blocked on it), then lets go."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from custody import backups_under, covering_ring, make_files, unreadable
from harness import PLAYBOOKS, VENV_BIN, controller_env

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import FileLock
from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

FILES = 200


def modules_waiting(tmp_path) -> int:
    """How many rotate_key module processes hold a descriptor of one of this test's locks: the audit lock, or the
    lock on tmp_path itself (the directory of the key files, taken first in the global order). Such a module has
    read the trail and waits; one that merely runs may not have read it yet."""
    locks = {str(tmp_path), str(tmp_path / "audit.jsonl.lock")}
    waiting = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if b"AnsiballZ_rotate_key" not in (entry / "cmdline").read_bytes():
                continue
            targets = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        waiting += bool(targets & locks)
    return waiting


def test_second_rotation_waits_then_names_the_lock(tmp_path) -> None:
    key = Key.generate()
    ring = KeyRing([key])
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    texts = {}
    for n in range(FILES):
        text = f"# {n}\n" + "".join(f"V{v}={n}-{v}-{'x' * 12}\n" for v in range(10))
        path = env_dir / f"s{n:04d}.env.encrypted"
        path.write_bytes(encrypt(EnvDocument.parse(text), ring))
        texts[path] = text
    key_file = tmp_path / "current.key"
    key_file.write_text(key.to_text())
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    runs = []
    with FileLock(str(tmp_path / "audit.jsonl.lock"), timeout=5):
        for name in ("first", "second"):
            extra = (f"env_dir={env_dir} key_file={key_file} new_key_file={tmp_path / name}.key "
                     f"audit_file={tmp_path / 'audit.jsonl'}")
            runs.append(subprocess.Popen(
                [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOKS / "rotate_now.yml"),
                 "-e", extra], env=controller_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        deadline = time.monotonic() + 120
        while modules_waiting(tmp_path) < 2:
            assert time.monotonic() < deadline, "the two rotate_key modules did not reach the locks"
            time.sleep(0.1)
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    codes = [run.returncode for run in runs]
    assert sorted(codes) == [0, 2], outputs
    winner = ("first", "second")[codes.index(0)]
    loser_output = outputs[codes.index(2)]
    assert "audit.jsonl.lock" in loser_output and "nothing was done" in loser_output
    result = json.loads((tmp_path / f"{winner}.key.result.json").read_text())
    new_ring = KeyRing.from_file(str(tmp_path / f"{winner}.key"))
    assert result["changed"] and result["new_key_fingerprint"] == new_ring.primary.fingerprint
    for path, text in texts.items():
        assert decrypt(path.read_bytes(), new_ring, path=str(path)).text == text
    statuses = [json.loads(line)["status"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert statuses == ["initiated", "completed"]


def test_overlapping_rotations_with_different_audit_trails_wait_for_each_other(tmp_path) -> None:
    credential = KeyRing([Key.generate()])
    texts = make_files(str(tmp_path / "env"), credential, count=120, subdirectory="prod", variables=10)
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    runs = []
    with FileLock(str(tmp_path / "env" / "prod"), timeout=5, directory=True):
        for name, paths in (("all", tmp_path / "env"), ("prod", tmp_path / "env" / "prod")):
            extra = f"env_dir={paths} new_key_file={tmp_path / 'next.key'} audit_file={tmp_path / name}.jsonl"
            runs.append(subprocess.Popen(
                [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOKS / "rotate_scheduled.yml"),
                 "-e", extra], env=controller_env(SECRETS_MASTER_KEY=credential.to_text().strip()),
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        deadline = time.monotonic() + 120
        while modules_waiting(tmp_path) < 2:
            assert time.monotonic() < deadline, "the two rotate_key modules did not reach the locks"
            time.sleep(0.1)
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    held = covering_ring(credential, str(tmp_path / "next.key"))
    assert unreadable(texts, held) == []
    assert unreadable(backups_under(str(tmp_path / "env"), texts), held) == []
    for name in ("all", "prod"):
        statuses = [json.loads(line)["status"] for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        assert statuses == ["initiated", "completed"]
