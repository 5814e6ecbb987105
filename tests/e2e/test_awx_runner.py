# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX as it really runs jobs: ansible-runner with the key injected through env/envvars, as a custom credential
type's injector does. The rotate and check playbooks succeed, set_stats reaches the artifacts, no key does."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml
from harness import controller_env

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

RUNNER = str(Path(sys.executable).parent / "ansible-runner")


def run_job(private: Path, playbook: str, ident: str) -> dict:
    """Run one job, require it to succeed, and return the set_stats data of its playbook_on_stats event."""
    result = subprocess.run([RUNNER, "run", str(private), "-p", playbook, "--ident", ident],
                            capture_output=True, text=True, env=controller_env(), timeout=300, check=False)
    artifacts = private / "artifacts" / ident
    status = (artifacts / "status").read_text().strip()
    assert status == "successful", result.stdout[-3000:] + result.stderr[-2000:]
    stats = {}
    for event_file in (artifacts / "job_events").glob("*.json"):
        event = json.loads(event_file.read_text())
        if event.get("event") == "playbook_on_stats":
            stats = event["event_data"].get("artifact_data", {})
    return stats


def test_rotate_and_check_through_ansible_runner(tmp_path) -> None:
    key = Key.generate()
    values = {"DB_PASSWORD": secrets.token_urlsafe(24), "API_TOKEN": secrets.token_urlsafe(24)}
    env_dir = tmp_path / "secrets"
    env_dir.mkdir()
    for name in ("web", "worker"):
        (env_dir / f"{name}.env.encrypted").write_bytes(encrypt(EnvDocument.from_dict(values), KeyRing([key])))
    private = tmp_path / "job"
    for sub in ("project", "env", "inventory"):
        (private / sub).mkdir(parents=True)
    (private / "project" / "rotate.yml").write_text("- ansible.builtin.import_playbook: fernet.dotenv.rotate\n")
    (private / "project" / "check.yml").write_text("- ansible.builtin.import_playbook: fernet.dotenv.check\n")
    (private / "inventory" / "hosts").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    # what an AWX custom credential type injects (env: SECRETS_MASTER_KEY) lands in env/envvars
    (private / "env" / "envvars").write_text(yaml.safe_dump({
        "SECRETS_MASTER_KEY": key.to_text(),
        "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""),
    }))
    audit = env_dir / "audit.jsonl"
    (private / "env" / "extravars").write_text(yaml.safe_dump({
        "fernet_dotenv_hosts": "localhost",
        "key_rotation_paths": [str(env_dir)],
        "key_rotation_new_key_file": str(tmp_path / "next.key"),
        "key_rotation_audit_file": str(audit),
        "key_rotation_reason": "scheduled by AWX",
        "key_rotation_update_facts": False,
        "rotation_check_audit_file": str(audit),
        "awx_job_id": 4242,
        "awx_job_template_name": "Rotate .env keys",
    }))

    rotate_stats = run_job(private, "rotate.yml", "rotate")
    rotation = rotate_stats["fernet_dotenv_rotation"]
    new_ring = KeyRing.from_file(str(tmp_path / "next.key"))
    assert rotation["rotated"] is True and rotation["files"] == 2
    assert rotation["old_key_fingerprint"] == key.fingerprint
    assert rotation["new_key_fingerprint"] == new_ring.primary.fingerprint
    for name in ("web", "worker"):
        opened = decrypt((env_dir / f"{name}.env.encrypted").read_bytes(), new_ring)
        assert opened.as_dict() == values
    record = [json.loads(line) for line in audit.read_text().splitlines()][-1]
    assert record["status"] == "completed" and record["actor"]["awx_job_id"] == "4242"
    assert record["actor"]["awx_job_template"] == "Rotate .env keys"

    check_stats = run_job(private, "check.yml", "check")
    check = check_stats["fernet_dotenv_rotation_check"]
    assert check["overdue"] is False and check["audit_intact"] is True

    forbidden = [key.to_text(), key.to_text().rstrip("="), new_ring.primary.to_text().rstrip("="), *values.values()]
    leaks = []
    scanned = 0
    for path in (private / "artifacts").rglob("*"):
        # "command" is ansible-runner's own record of the environment it was handed, i.e. the credential
        # injection itself (AWX redacts credential variables in what it keeps of a job's environment); everything
        # the job produced - events, stdout, facts - must be clean
        if path.is_file() and path.name != "command":
            scanned += 1
            text = path.read_text(errors="replace")
            leaks += [str(path.relative_to(private)) for secret in forbidden if secret in text]
    assert leaks == [] and scanned > 20
