# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Crash safety of rotate_key: SIGKILL a rotation at random instants, then check every file and every key.

Engine level: the rotation runs in a separate process, exactly as the module runs it (Rotation.run), and is killed
at a uniformly random instant between its start and 120% of an unkilled run's duration. After every kill: each
file decrypts to its original plaintext with the old ring when no new_key_file was written yet, else with the ring
in new_key_file alone; no file is missing or partial; a rotation that recorded "initiated" and no end is reported
interrupted; and a follow-up rotation (the recovery guide's one command) completes and leaves no temp file behind.

Through ansible-playbook: the scheduled job of rotate_key's EXAMPLES (ring from SECRETS_MASTER_KEY, a generated key
written to new_key_file) is killed - its whole process group: ansible-playbook, the module and its workers - at a
random instant of its rotation, then run again with the same, now stale, credential. After the kill and after the
re-run, every file and every backup opens with what the user holds (the credential + new_key_file + its archive);
the re-run succeeds and closes the interrupted record.
"""
from __future__ import annotations

import glob
import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from custody import backups_under, covering_ring, make_files, unreadable
from harness import PLAYBOOKS, VENV_BIN, controller_env, kill_tree

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import AuditTrail
from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import Rotation, rotation_status

FILES = 36
VARIABLES = 20
TRIALS = int(os.environ.get("FERNET_DOTENV_CRASH_TRIALS", "60"))
PLAYBOOK_TRIALS = int(os.environ.get("FERNET_DOTENV_CRASH_PLAYBOOK_TRIALS", "20"))
PLAYBOOK_FILES = 240

WORKER = r"""
import json, sys
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import Rotation
config = json.loads(sys.argv[1])
ring = KeyRing.from_text(sys.stdin.readline())
print("ready", flush=True)
sys.stdin.readline()
Rotation(paths=[config["dir"]], ring=ring, new_key_file=config["new_key_file"], audit_file=config["audit"],
         reason="crash test").run()
print("done", flush=True)
"""


def make_tree(directory: str, ring: KeyRing, rng: random.Random) -> dict[str, bytes]:
    os.makedirs(directory)
    texts = {}
    for n in range(FILES):
        lines = [f"# service {n}"] + [f"VAR_{v}='{rng.getrandbits(128):032x}'" for v in range(VARIABLES)]
        text = ("\n".join(lines) + "\n").encode()
        path = os.path.join(directory, f"svc{n:02d}.env.encrypted")
        with open(path, "wb") as handle:
            handle.write(encrypt(EnvDocument.from_bytes(text), ring, format="whole" if n % 4 == 0 else "values"))
        texts[path] = text
    return texts


def start(workdir: str, ring: KeyRing) -> subprocess.Popen:
    config = json.dumps({"dir": os.path.join(workdir, "env"), "new_key_file": os.path.join(workdir, "new.key"),
                         "audit": os.path.join(workdir, "audit.jsonl")})
    worker = subprocess.Popen([sys.executable, "-c", WORKER, config], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    worker.stdin.write(ring.to_text())
    worker.stdin.flush()
    assert worker.stdout.readline().strip() == "ready"
    return worker


def opens_all(texts: dict[str, bytes], ring: KeyRing) -> int:
    """How many files do not decrypt to their original plaintext with ring (0 means none lost)."""
    lost = 0
    for path, text in texts.items():
        try:
            with open(path, "rb") as handle:
                if decrypt(handle.read(), ring, path=path).document.to_bytes() != text:
                    lost += 1
        except (OSError, FernetDotenvError):
            lost += 1
    return lost


def test_sigkill_at_random_instants_loses_nothing(tmp_path, capsys) -> None:
    rng = random.Random(int.from_bytes(os.urandom(8), "big"))
    old = KeyRing([Key.generate()])
    durations = []
    for run in range(3):
        calibration = tmp_path / f"calibration{run}"
        make_tree(str(calibration / "env"), old, rng)
        worker = start(str(calibration), old)
        began = time.monotonic()
        worker.stdin.write("go\n")
        worker.stdin.flush()
        assert worker.stdout.readline().strip() == "done"
        durations.append(time.monotonic() - began)
        worker.wait(30)
    full = sorted(durations)[1]

    counts = {"trials": 0, "files_lost": 0, "before_initiated": 0, "interrupted": 0, "completed": 0}
    for trial in range(TRIALS):
        workdir = tmp_path / f"trial{trial}"
        texts = make_tree(str(workdir / "env"), old, rng)
        worker = start(str(workdir), old)
        worker.stdin.write("go\n")
        worker.stdin.flush()
        time.sleep(rng.uniform(0, full))
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
        counts["trials"] += 1

        key_file = workdir / "new.key"
        ring = KeyRing.from_file(str(key_file)) if key_file.exists() else old
        lost = opens_all(texts, ring)
        counts["files_lost"] += lost
        assert lost == 0, f"trial {trial}: {lost} files do not open with {'new_key_file' if key_file.exists() else 'the old ring'}"

        trail = AuditTrail(str(workdir / "audit.jsonl"))
        statuses = [r["status"] for r in trail.check().records]
        status = rotation_status(trail)
        if not statuses:
            counts["before_initiated"] += 1
        elif statuses[-1] == "initiated":
            counts["interrupted"] += 1
            assert status.interrupted, f"trial {trial}: an unfinished rotation is not reported"
        else:
            assert statuses[-1] == "completed"
            counts["completed"] += 1
            assert not status.interrupted

        # recovery: rotate again with whatever ring is current; it finishes and cleans up
        Rotation(paths=[str(workdir / "env")], ring=ring, new_key_file=str(key_file),
                 audit_file=str(workdir / "audit.jsonl"), reason="recovery").run()
        assert opens_all(texts, KeyRing.from_file(str(key_file))) == 0
        assert not glob.glob(str(workdir / "env" / ".*.tmp"))
        assert not rotation_status(trail).interrupted

    with capsys.disabled():
        print(f"\ncrash test: {FILES} files x {VARIABLES} variables, unkilled rotation {full * 1000:.0f} ms; "
              + ", ".join(f"{name} {value}" for name, value in counts.items()))
    assert counts["files_lost"] == 0
    # the kills really landed mid-rotation, not only before or after it. About half of a run opens and re-encrypts
    # the files in memory before its first record, so about a third of the kills land between the records.
    assert counts["interrupted"] >= TRIALS // 8


def scheduled_job(workdir, ring: KeyRing, *, wait: bool = True):
    """The scheduled rotation playbook, in a process group of its own, with ring as SECRETS_MASTER_KEY."""
    extra = (f"env_dir={workdir / 'env'} new_key_file={workdir / 'next.key'} "
             f"audit_file={workdir / 'audit.jsonl'}")
    inventory = workdir / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    job = subprocess.Popen([str(VENV_BIN / "ansible-playbook"), "-i", str(inventory),
                            str(PLAYBOOKS / "rotate_scheduled.yml"), "-e", extra],
                           env=controller_env(SECRETS_MASTER_KEY=ring.to_text().strip()), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    if wait:
        output = job.communicate(timeout=600)[0]
        assert job.returncode == 0, output[-3000:]
    return job


def custody_lost(workdir, credential: KeyRing, texts: dict[str, bytes]) -> int:
    """Files and backups that nothing the user holds (credential, next.key, its archive) opens."""
    held = covering_ring(credential, str(workdir / "next.key"))
    return len(unreadable(texts, held)) + len(unreadable(backups_under(str(workdir / "env"), texts), held))


def killed_then_run_again(workdir, credential: KeyRing, *, kill_after: float) -> str:
    """One trial: the scheduled job killed kill_after seconds into its rotation (its lock exists), checked, run
    again with the same credential, checked. Returns where the kill landed."""
    texts = make_files(str(workdir / "env"), credential, count=PLAYBOOK_FILES, subdirectory="prod",
                       variables=VARIABLES)
    job = scheduled_job(workdir, credential, wait=False)
    lock = workdir / "audit.jsonl.lock"
    deadline = time.monotonic() + 120
    while not lock.exists() and job.poll() is None:
        assert time.monotonic() < deadline, "the rotation did not start"
        time.sleep(0.002)
    time.sleep(kill_after)
    # the whole tree: the module runs in a session of its own, and a killpg of the playbook would leave it running
    kill_tree(job.pid)
    job.communicate(timeout=60)
    lost = custody_lost(workdir, credential, texts)
    assert lost == 0, f"{workdir.name}: {lost} files or backups open with no key the user holds after the kill"
    trail = AuditTrail(str(workdir / "audit.jsonl"))
    records = trail.check().records
    landed = ("before_initiated" if not records else
              "mid_rotation" if rotation_status(trail).interrupted else "after_completed")

    scheduled_job(workdir, credential)  # the same job again, with the credential it was first given
    lost = custody_lost(workdir, credential, texts)
    assert lost == 0, f"{workdir.name}: {lost} files or backups open with no key the user holds after the re-run"
    assert unreadable(texts, KeyRing.from_file(str(workdir / "next.key"))) == []
    assert not rotation_status(trail).interrupted
    assert not glob.glob(str(workdir / "env" / "**" / ".*.tmp"), recursive=True)
    return landed


def test_killed_scheduled_job_then_run_again_with_its_stale_ring_loses_no_key(tmp_path, capsys) -> None:
    rng = random.Random(int.from_bytes(os.urandom(8), "big"))
    credential = KeyRing([Key.generate()])
    calibration = tmp_path / "calibration"
    make_files(str(calibration / "env"), credential, count=PLAYBOOK_FILES, subdirectory="prod", variables=VARIABLES)
    scheduled_job(calibration, credential)
    full = json.loads((calibration / "audit.jsonl.result.json").read_text())["duration_seconds"]

    # two trials at a time (each is mostly Ansible starting up); every trial has its own directory and files. The
    # first fifth of a rotation only opens files (nothing is written): kills land in the rest of its span, so that
    # enough of them land between the records. The span was measured on a quiet machine; under load (make test
    # runs other suites beside this one) rotations take longer, so each kill that lands before the first record
    # aims the next ones later, and each that lands after the last aims them earlier. When too few landed
    # between the records, up to ten more trials run.
    landed: list[str] = []
    scale = 1.0
    started = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        def start() -> Future:
            nonlocal started
            started += 1
            return pool.submit(killed_then_run_again, tmp_path / f"job{started}", credential,
                               kill_after=rng.uniform(0.2, 1.0) * full * scale)

        running = {start(), start()}
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for trial in finished:
                landed.append(trial.result())
                factor = {"before_initiated": 1.25, "after_completed": 0.8}.get(landed[-1], 1.0)
                scale = min(8.0, max(0.25, scale * factor))
                wanted = PLAYBOOK_TRIALS if landed.count("mid_rotation") >= 3 else PLAYBOOK_TRIALS + 10
                if started < wanted:
                    running.add(start())
    counts = {"trials": len(landed), **{where: landed.count(where) for where in
                                        ("before_initiated", "mid_rotation", "after_completed")},
              "reruns_ok": len(landed), "keys_lost": 0}
    with capsys.disabled():
        print(f"\nscheduled job killed and run again: {PLAYBOOK_FILES} files x {VARIABLES} variables, unkilled "
              f"rotation {full * 1000:.0f} ms, kill window scaled to {scale:.2f}; "
              + ", ".join(f"{name} {value}" for name, value in counts.items()))
    # about half of a run opens the files before its first record: a few kills land between the records
    assert counts["mid_rotation"] >= 3
