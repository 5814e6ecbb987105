# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rotation benchmark: 1,000 files x 50 variables through fernet.dotenv.rotate_key, side by side with a plain
Python loop over MultiFernet.rotate with atomic writes (temp file, fsync, rename), in one run.

rotate_key does more than the loop: it decrypts and re-encrypts every value of the values format (51 tokens a
file), verifies every new file with the new key alone, backs up every original, and writes the audit trail. The
loop rotates one token per file and verifies nothing. Both are timed as wall clock, median of --repeat runs.
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

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - fernet.dotenv.rotate_key:
        paths: ["{dir}"]
        master_key_file: "{key_file}"
        new_key_file: "{new_key_file}"
        audit_file: "{audit}"
        backup: {backup}
      register: rotation
    - ansible.builtin.copy:
        content: "{{{{ rotation.duration_seconds }}}}"
        dest: "{out}"
        mode: "0600"
"""


def plaintext(n: int, variables: int) -> bytes:
    lines = [f"# service {n}"] + [f"VAR_{v}={os.urandom(12).hex()}" for v in range(variables)]
    return ("\n".join(lines) + "\n").encode()


def make_tree(directory: str, ring: KeyRing, files: int, variables: int, fmt: str) -> None:
    os.makedirs(directory)
    fernet = Fernet(ring.primary.to_text().encode())
    for n in range(files):
        text = plaintext(n, variables)
        if fmt == "token":
            data = fernet.encrypt(text)
        else:
            data = encrypt(EnvDocument.from_bytes(text), ring, format=fmt)
        with open(os.path.join(directory, f"svc{n:04d}.env.encrypted"), "wb") as handle:
            handle.write(data)


def plain_loop(directory: str, old: Key, new: Key) -> float:
    rotator = MultiFernet([Fernet(new.to_text().encode()), Fernet(old.to_text().encode())])
    started = time.perf_counter()
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        with open(path, "rb") as handle:
            token = handle.read()
        fd, temp = tempfile.mkstemp(dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(rotator.rotate(token))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    return time.perf_counter() - started


def through_rotate_key(work: str, directory: str, old: Key, backup: bool) -> tuple[float, float]:
    key_file = os.path.join(work, "old.key")
    with open(key_file, "w") as handle:
        handle.write(old.to_text())
    out = os.path.join(work, "duration")
    playbook = os.path.join(work, "rotate.yml")
    with open(playbook, "w") as handle:
        handle.write(PLAYBOOK.format(dir=directory, key_file=key_file, new_key_file=os.path.join(work, "new.key"),
                                     audit=os.path.join(work, "audit.jsonl"), out=out, backup=str(backup).lower()))
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
            old, new = Key.generate(), Key.generate()
            ring = KeyRing([old])
            base = os.path.join(root, f"plain{run}")
            make_tree(base, ring, args.files, args.variables, "token")
            results.setdefault("plain loop (MultiFernet.rotate + atomic write)", []).append(plain_loop(base, old, new))
            for fmt in ("values", "whole"):
                work = os.path.join(root, f"{fmt}{run}")
                make_tree(os.path.join(work, "env"), ring, args.files, args.variables, fmt)
                wall, module = through_rotate_key(work, os.path.join(work, "env"), old, backup=True)
                results.setdefault(f"rotate_key {fmt} format (ansible-playbook wall)", []).append(wall)
                results.setdefault(f"rotate_key {fmt} format (module duration_seconds)", []).append(module)
            shutil.rmtree(os.path.join(root, f"plain{run}"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in results.items()}
    baseline = medians["plain loop (MultiFernet.rotate + atomic write)"]
    print(f"rotation of {args.files} files x {args.variables} variables, median of {args.repeat} runs")
    for name, value in medians.items():
        print(f"  {name:55s} {value:8.2f} s   ratio to plain loop {value / baseline:6.2f}")
    print(json.dumps({"files": args.files, "variables": args.variables, "medians_s": medians}))


if __name__ == "__main__":
    main()
