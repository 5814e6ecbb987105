# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rotation benchmark: 1,000 files x 50 variables, each format against a fair floor, in one run.

The floor is a plain single-process Python loop that does the least a rotation of these files can do: read each
file, MultiFernet.rotate every Fernet token in it (51 for a values file: 50 values and the layout; 1 for a whole
file), write a temp file beside it, fsync, rename. It verifies nothing, backs nothing up, keeps no audit trail and
no key file, and does not recompute the values format's MAC.

rotate_key does all of that besides: it opens every file before writing any key file, merges the key file,
verifies every temp with the new key alone, hard-links a backup of every original, and records the rotation. It is
timed in this process (the engine the module runs: Rotation.run, workers sized to the cores) and through
ansible-playbook (wall clock, and the module's own duration_seconds). Figures are medians of --repeat runs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from cryptography.fernet import Fernet, MultiFernet

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import Rotation

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - fernet.dotenv.rotate_key:
        paths: ["{dir}"]
        master_key_file: "{key_file}"
        new_key_file: "{new_key_file}"
        audit_file: "{audit}"
        backup: true
      register: rotation
    - ansible.builtin.copy:
        content: "{{{{ rotation.duration_seconds }}}}"
        dest: "{out}"
        mode: "0600"
"""


def plaintext(n: int, variables: int) -> bytes:
    lines = [f"# service {n}"] + [f"VAR_{v}={os.urandom(12).hex()}" for v in range(variables)]
    return ("\n".join(lines) + "\n").encode()


def make_tree(directory: str, ring: KeyRing, *, files: int, variables: int, fmt: str) -> None:
    os.makedirs(directory)
    for n in range(files):
        with open(os.path.join(directory, f"svc{n:04d}.env.encrypted"), "wb") as handle:
            handle.write(encrypt(EnvDocument.from_bytes(plaintext(n, variables)), ring, format=fmt))


def floor(directory: str, old: Key, new: Key) -> float:
    """MultiFernet.rotate of every token of every file, temp file, fsync, rename; nothing else."""
    rotator = MultiFernet([Fernet(new.to_text().encode()), Fernet(old.to_text().encode())])
    started = time.perf_counter()
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        with open(path, "rb") as handle:
            lines = handle.read().split(b"\n")
        rotated = []
        for line in lines:
            # a whole file's token line, or NAME=<token> / @layout=<token> (a token ends in '=' padding)
            head, sep, token = (b"", b"", line) if line.startswith(b"gAAAAA") else line.partition(b"=")
            if token.startswith(b"gAAAAA"):
                line = head + sep + rotator.rotate(token)
            rotated.append(line)
        fd, temp = tempfile.mkstemp(dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\n".join(rotated))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    return time.perf_counter() - started


def engine(work: str, directory: str, old: Key) -> float:
    started = time.perf_counter()
    Rotation(paths=[directory], ring=KeyRing([old]), new_key_file=os.path.join(work, "engine.key"),
             audit_file=os.path.join(work, "engine.jsonl"), backup=True).run()
    return time.perf_counter() - started


def through_rotate_key(work: str, directory: str, old: Key) -> tuple[float, float]:
    key_file = os.path.join(work, "old.key")
    with open(key_file, "w") as handle:
        handle.write(old.to_text())
    out = os.path.join(work, "duration")
    playbook = os.path.join(work, "rotate.yml")
    with open(playbook, "w") as handle:
        handle.write(PLAYBOOK.format(dir=directory, key_file=key_file, new_key_file=os.path.join(work, "new.key"),
                                     audit=os.path.join(work, "audit.jsonl"), out=out))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETS_MASTER_KEY")}
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    started = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                    "-c", "local", playbook], check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    with open(out) as handle:
        return wall, float(handle.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--variables", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="fernet-dotenv-bench-")
    results: dict[str, list[float]] = {}
    try:
        for run in range(args.repeat):
            for fmt in ("values", "whole"):
                old, new = Key.generate(), Key.generate()
                ring = KeyRing([old])
                work = os.path.join(root, f"{fmt}{run}")
                size = dict(files=args.files, variables=args.variables, fmt=fmt)
                for name in ("floor", "engine", "playbook"):
                    make_tree(os.path.join(work, name), ring, **size)
                results.setdefault(f"{fmt}: floor (MultiFernet.rotate every token)", []).append(
                    floor(os.path.join(work, "floor"), old, new))
                results.setdefault(f"{fmt}: rotate_key engine (Rotation.run)", []).append(
                    engine(work, os.path.join(work, "engine"), old))
                wall, module = through_rotate_key(work, os.path.join(work, "playbook"), old)
                results.setdefault(f"{fmt}: rotate_key via ansible-playbook (wall)", []).append(wall)
                results.setdefault(f"{fmt}: rotate_key via ansible-playbook (duration_seconds)", []).append(module)
                shutil.rmtree(work)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in results.items()}
    print(f"rotation of {args.files} files x {args.variables} variables, median of {args.repeat} runs, "
          f"{len(os.sched_getaffinity(0))} cores")
    for name, value in medians.items():
        fmt = name.split(":")[0]
        ratio = value / medians[f"{fmt}: floor (MultiFernet.rotate every token)"]
        print(f"  {name:60s} {value:8.2f} s   ratio to the {fmt} floor {ratio:5.2f}")
    print(json.dumps({"files": args.files, "variables": args.variables, "medians_s": medians}))


if __name__ == "__main__":
    main()
