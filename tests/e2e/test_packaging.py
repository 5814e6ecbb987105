# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release tarball: no tool debris, and installed into an empty collections path it documents every plugin."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

BIN = Path(sys.executable).parent
DEBRIS = (".ansible/", "tests/output/", ".hypothesis/", ".pytest_cache/", "collections/", ".venv", "__pycache__",
          ".git/", "build/", ".benchmarks", "demo-output")
EXPECTED = {
    "module": {"generate_key", "encrypt_env", "decrypt_env", "env_value", "rotate_key", "rotation_info"},
    "lookup": {"fernetenv"},
    "vars": {"fernetenv"},
    "filter": {"mask", "fingerprint"},
    "test": {"sensitive"},
    "role": {"env_deploy", "key_rotation", "rotation_check"},
}


def tarball() -> Path:
    built = sorted(Path(os.environ["FERNET_DOTENV_BUILD_DIR"]).glob("fernet-dotenv-*.tar.gz"))
    assert built, "run through make e2e, which builds the collection tarball first"
    return built[-1]


def test_tarball_holds_no_tool_debris() -> None:
    with tarfile.open(tarball()) as archive:
        names = archive.getnames()
    assert "MANIFEST.json" in names and "plugins/module_utils/_formats.py" in names
    assert [name for name in names if any(part in name + "/" for part in DEBRIS)] == []


def test_installed_into_an_empty_path_lists_every_plugin(tmp_path) -> None:
    # nothing but the empty path: no PYTHONPATH (which the test runner uses) to find the working copy through
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(tmp_path), PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "-p", str(tmp_path),
                    str(tarball())], check=True, capture_output=True, env=env)
    for kind, names in EXPECTED.items():
        listing = subprocess.run([str(BIN / "ansible-doc"), "-t", kind, "-l", "fernet.dotenv"], check=True,
                                 capture_output=True, text=True, env=env).stdout
        found = {line.split()[0].rstrip(":").removeprefix("fernet.dotenv.") for line in listing.splitlines() if line.strip()}
        assert names <= found, (kind, names - found)
    playbooks = tmp_path / "ansible_collections" / "fernet" / "dotenv" / "playbooks"
    assert {"deploy.yml", "rotate.yml", "check.yml", "git_setup.yml"} <= {p.name for p in playbooks.iterdir()}
    # the git entry point and the pre-commit framework's hook run from the installed tree, so they stay executable
    root = playbooks.parent
    for name in ("bin/fernet-dotenv-git", "hooks/fernet-dotenv-pre-commit"):
        assert os.access(root / name, os.X_OK), name
    assert (root / ".pre-commit-hooks.yaml").is_file()
