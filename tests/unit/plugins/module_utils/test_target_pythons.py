# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module code runs on target Pythons 3.8 and later: compile and exercise it under the oldest one available."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

COLLECTION = Path(__file__).resolve().parents[4]
ROOT = COLLECTION.parents[2]  # the directory holding ansible_collections/
OLDEST = os.path.expanduser("~/.pyenv/versions/3.8.18/bin/python")

SCRIPT = r"""
import compileall, sys
ok = compileall.compile_dir(sys.argv[1] + "/plugins/modules", quiet=1, legacy=True)
ok &= compileall.compile_dir(sys.argv[1] + "/plugins/module_utils", quiet=1, legacy=True)
from ansible_collections.fernet.dotenv.plugins.module_utils import _audit, _errors, _fileio, _formats, _masking
from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing
doc = EnvDocument.parse("# c\nexport A='x y'\r\nB=\"m\\nl\"\n")
doc.set("C", "it's")
assert EnvDocument.parse(doc.text).as_dict() == {"A": "x y", "B": "m\nl", "C": "it's"}
ring = KeyRing.from_text(Key.generate().to_text())
assert _masking.mask("my-secret-key-12345") == "my-s...2345"
print("ok" if ok else "compile failed")
"""


@pytest.mark.skipif(not os.path.exists(OLDEST), reason="no Python 3.8 interpreter on this machine")
def test_module_utils_run_on_python_38(tmp_path) -> None:
    # ansible-core is not importable on 3.8 here: module_utils must not need it beyond the modules themselves
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(tmp_path)}
    result = subprocess.run([OLDEST, "-c", SCRIPT, str(COLLECTION)], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"
