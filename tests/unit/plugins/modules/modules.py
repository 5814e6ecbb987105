# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module of the collection as Ansible does - its own Python process, arguments from a JSON file - and
record what it does to the file system through Python's audit hooks: every open, chmod, chown, rename and link,
in order. That is how a reviewer watched generate_key with strace; the hooks see the same calls from inside."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

WATCH = r"""
import json, os, runpy, sys
events = []
def hook(event, args):
    if event in ("open", "os.chmod", "os.chown", "os.rename", "os.replace", "os.link", "os.symlink", "shutil.copyfile"):
        events.append([event] + [os.fsdecode(a) if isinstance(a, bytes) else
                                 a if isinstance(a, (str, int, type(None))) else repr(a) for a in args])
def dump():
    with open(os.environ["FERNET_DOTENV_EVENTS"], "w") as handle:
        json.dump(events, handle)
import atexit
atexit.register(dump)
sys.addaudithook(hook)
runpy.run_module(sys.argv.pop(1), run_name="__main__")
"""


@dataclass
class ModuleRun:
    result: dict
    events: list[list]
    timed_out: bool = False

    def creations(self, path: str) -> list[list]:
        """Opens that could create path (flags with O_CREAT)."""
        return [e for e in self.events if e[0] == "open" and e[1] == path and isinstance(e[3], int)
                and e[3] & os.O_CREAT]

    def chmods(self, path: str) -> list[int]:
        return [e[2] for e in self.events if e[0] == "os.chmod" and e[1] == path]


def run_module(name: str, args: dict, tmp_path: Path, *, timeout: float = 60) -> ModuleRun:
    args_file = tmp_path / f"{name}.args.json"
    events_file = tmp_path / f"{name}.events.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    # the module imports the collection from where the tests do (PYTHONPATH holds ansible_collections/)
    env = {**os.environ, "FERNET_DOTENV_EVENTS": str(events_file)}
    try:
        done = subprocess.run([sys.executable, "-c", WATCH, f"ansible_collections.fernet.dotenv.plugins.modules.{name}",
                               str(args_file)], capture_output=True, text=True, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return ModuleRun(result={}, events=[], timed_out=True)
    events = json.loads(events_file.read_text()) if events_file.exists() else []
    lines = done.stdout.strip().splitlines()
    assert lines, f"the module printed no result: {done.stderr[-2000:]}"
    return ModuleRun(result=json.loads(lines[-1]), events=events)


def mode_of(path) -> int:
    return os.stat(path).st_mode & 0o7777
