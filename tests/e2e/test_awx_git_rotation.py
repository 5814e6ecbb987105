# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scheduled rotation run the way AWX runs jobs: every job is ansible-runner with a fresh private data directory
whose project/ is a fresh clone of the repository, the ring injected from the key store as a file (what the
fernet.dotenv credential type with the file injector does), extravars as a job template passes them. Nothing a job
writes locally survives it: the repository and the key store are all there is.

Sequence: rotate and push, deploy, a not-due run that skips, a forced rotation; two rotations at once (the push is
the lock); jobs killed at random instants and run again. After every job the store's ring opens every file at the
remote's head, to the same values; a leak scan reads every artifact of every job."""
from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import yaml
from harness import controller_env, kill_tree

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

RUNNER = str(Path(sys.executable).parent / "ansible-runner")
APPS = ("web", "worker", "cron")
KILL_TRIALS = 10

PROJECT_FILES = {
    # the project layout the AWX guide recommends: plays of the project's own, so that playbook_dir (and relative
    # paths such as the key store's tasks file) is the project; in an imported collection playbook it is the
    # collection's playbooks directory, and so is the working directory of its modules
    "rotate.yml": """\
- name: Rotate the master key of the repository
  hosts: localhost
  gather_facts: false
  roles:
    - role: fernet.dotenv.key_rotation
""",
    "check.yml": """\
- name: Check the key rotation schedule
  hosts: localhost
  gather_facts: false
  roles:
    - role: fernet.dotenv.rotation_check
      vars:
        rotation_check_audit_file: "{{ playbook_dir }}/.fernet-dotenv-audit.jsonl"
""",
    "deploy.yml": """\
- name: Deploy the .env files of the project
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write every .env
      fernet.dotenv.decrypt_env:
        src: "{{ item }}"
        dest: "{{ deploy_dest }}/{{ item | basename | regex_replace('[.]encrypted$', '') }}"
        mode: "0600"
      loop: "{{ query('ansible.builtin.fileglob', playbook_dir ~ '/env/*.env.encrypted') }}"

    - name: Show the job's environment (the file injector keeps the ring out of it)
      ansible.builtin.command: printenv
      register: environment_printed
      changed_when: false

    - name: Print it
      ansible.builtin.debug:
        var: environment_printed.stdout_lines
""",
}


def git(*args: str, cwd: Path | None = None) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t", GIT_CONFIG_GLOBAL="/dev/null")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


class Job(NamedTuple):
    status: str  # ansible-runner's status, or "killed"
    stdout: str
    stats: dict  # the set_stats data of the job


class Site:
    """One repository (bare, the SCM) and one key store (a ring file on a path that outlives every job)."""

    def __init__(self, root: Path, values: dict[str, dict[str, str]]) -> None:
        self.root = root
        self.origin = root / "origin.git"
        self.store = root / "store" / "ring.key"
        self.values = values
        self.jobs: list[Path] = []
        self.count = 0
        self.lock = threading.Lock()
        self.keys_seen: set[str] = set()
        key = Key.generate()
        self.store.parent.mkdir(mode=0o700, parents=True)
        self.store.write_text(key.to_text() + "\n")
        self.store.chmod(0o600)
        self.keys_seen.add(key.to_text())
        seed = root / "seed"
        (seed / "env").mkdir(parents=True)
        (seed / "key_store").mkdir()
        for name, text in {**PROJECT_FILES, "key_store/files.yml": STORE_TASKS}.items():
            (seed / name).write_text(text.replace("STORE", str(self.store)))
        for app in APPS:
            data = encrypt(EnvDocument.from_dict(values[app]), KeyRing([key]))
            (seed / "env" / f"{app}.env.encrypted").write_bytes(data)
        git("init", "-q", "-b", "main", cwd=seed)
        git("add", ".", cwd=seed)
        git("commit", "-q", "-m", "Seed", cwd=seed)
        git("clone", "-q", "--bare", str(seed), str(self.origin))

    def job(self, playbook: str, extravars: dict, *, kill_after: float | None = None) -> Job:
        """Run one job in a fresh private data directory."""
        with self.lock:
            self.count += 1
            private = self.root / "jobs" / f"{self.count:03d}-{Path(playbook).stem}"
        self.jobs.append(private)
        git("clone", "-q", str(self.origin), str(private / "project"))
        for sub in ("env", "inventory", "credential", "tmp"):
            (private / sub).mkdir(parents=True, exist_ok=True)
        (private / "inventory" / "hosts").write_text(
            f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
        # the credential's file injector: the store's ring, as the job starts, in a file named by the variable
        ring_file = private / "credential" / "ring"
        ring_file.write_text(self.store.read_text())
        ring_file.chmod(0o600)
        self.keys_seen.update(key.to_text() for key in KeyRing.from_file(str(self.store)).keys)
        (private / "env" / "envvars").write_text(yaml.safe_dump({
            "SECRETS_MASTER_KEY_FILE": str(ring_file),
            "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""),
            # the job's private directory stands for the container: what a killed job leaves in its temp
            # directory (the clone) is gone with it
            "TMPDIR": str(private / "tmp"),
        }))
        (private / "env" / "extravars").write_text(yaml.safe_dump(dict(extravars, awx_job_id=self.count)))
        process = subprocess.Popen([RUNNER, "run", str(private), "-p", playbook, "--ident", "job"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=controller_env())
        if kill_after is not None:
            try:
                process.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                kill_tree(process.pid)
        process.wait(timeout=600)
        artifacts = private / "artifacts" / "job"
        status_file = artifacts / "status"
        status = status_file.read_text().strip() if status_file.exists() else "killed"
        stdout_file = artifacts / "stdout"
        stdout = stdout_file.read_text(errors="replace") if stdout_file.exists() else ""
        stats: dict = {}
        for event_file in (artifacts / "job_events").glob("*.json") if artifacts.exists() else ():
            try:
                event = json.loads(event_file.read_text())
            except ValueError:
                continue
            if event.get("event") == "playbook_on_stats":
                stats = event["event_data"].get("artifact_data", {})
        return Job(status, stdout, stats)

    def rotate(self, *, kill_after: float | None = None, **extra) -> Job:
        return self.job("rotate.yml", self.rotation_vars(**extra), kill_after=kill_after)

    def rotation_vars(self, **extra) -> dict:
        return dict({
            "key_rotation_git_repo": str(self.origin),
            "key_rotation_git_paths": ["env"],
            "key_rotation_key_store": "file",
            "key_rotation_key_store_file": str(self.store),
            "key_rotation_only_if_due": True,
            "key_rotation_reason": "scheduled by AWX",
            "key_rotation_update_facts": False,
        }, **extra)

    def head(self) -> str:
        return git("rev-parse", "main", cwd=self.origin).strip()

    def check_head(self) -> set[str]:
        """The store's ring opens every file at the remote's head to the values it was given; returns the kids of
        the keys those files need."""
        checkout = self.root / f"check-{secrets.token_hex(4)}"
        git("clone", "-q", str(self.origin), str(checkout))
        ring = KeyRing.from_file(str(self.store))
        kids = set()
        for app in APPS:
            data = (checkout / "env" / f"{app}.env.encrypted").read_bytes()
            assert decrypt(data, ring).as_dict() == self.values[app], app
            kids.add(EncryptedEnv.parse(data).kid)
        self.keys_seen.update(key.to_text() for key in ring.keys)
        return kids

    def archived(self) -> set[str]:
        archive = Path(f"{self.store}.retired")
        return {key.kid for key in KeyRing.from_file(str(archive)).keys} if archive.exists() else set()

    def store_kids(self) -> list[str]:
        return [key.kid for key in KeyRing.from_file(str(self.store)).keys]

    def trail(self) -> list[dict]:
        text = git("show", "main:.fernet-dotenv-audit.jsonl", cwd=self.origin)
        return [json.loads(line) for line in text.splitlines()]


def new_values() -> dict[str, dict[str, str]]:
    return {app: {"DB_PASSWORD": secrets.token_urlsafe(18), "API_TOKEN": secrets.token_urlsafe(18),
                  "APP_NAME": app} for app in APPS}


def leaks(site: Site) -> tuple[list[str], int]:
    """Every key the store ever held (padded and not) and every value, searched in every artifact of every job
    (but the injection itself - env/envvars, the credential file and ansible-runner's record of the environment it
    was handed) and in the whole history of the repository."""
    forbidden = {text for key in site.keys_seen for text in (key, key.rstrip("="))}
    forbidden |= {value for values in site.values.values() for name, value in values.items() if name != "APP_NAME"}
    found, scanned = [], 0
    for private in site.jobs:
        for path in (private / "artifacts").rglob("*"):
            if path.is_file() and path.name != "command":
                scanned += 1
                text = path.read_text(errors="replace")
                found += [str(path.relative_to(site.root)) for secret in forbidden if secret in text]
    history = git("log", "-p", "--all", cwd=site.origin)
    found += ["git history" for secret in forbidden if secret in history]
    return found, scanned


def test_scheduled_rotation_from_a_repository(tmp_path, ssh_host) -> None:
    site = Site(tmp_path, new_values())
    first_kid = site.store_kids()[0]

    # job 1: the trail in the repository is empty, so the rotation is due; it pushes and contracts the store
    status, stdout, stats = site.rotate()
    assert status == "successful", stdout[-3000:]
    rotation = stats["fernet_dotenv_rotation"]
    assert rotation["rotated"] is True and rotation["files"] == len(APPS) and rotation["commit"] == site.head()
    assert site.check_head() == set(site.store_kids()) and len(site.store_kids()) == 1
    assert site.archived() == {first_kid}
    message = git("log", "-1", "--format=%B", cwd=site.origin)
    assert rotation["new_key_fingerprint"] in message and rotation["audit_id"] in message
    record = site.trail()[-1]
    assert record["status"] == "completed" and record["actor"]["awx_job_id"] == str(site.count)

    # a deploy job with the store's ring writes every .env
    deployed = tmp_path / "deployed"
    deployed.mkdir()
    status, stdout, _stats = site.job("deploy.yml", {"deploy_dest": str(deployed)})
    assert status == "successful", stdout[-3000:]
    for app in APPS:
        assert EnvDocument.parse((deployed / f"{app}.env").read_text()).as_dict() == site.values[app]
    assert "SECRETS_MASTER_KEY_FILE=" in stdout and "SECRETS_MASTER_KEY=" not in stdout

    # the check job reads the trail from its own copy of the project, with the store's ring (which no longer holds
    # the key that signed the rotation's first record)
    status, stdout, stats = site.job("check.yml", {})
    assert status == "successful", stdout[-3000:]
    check = stats["fernet_dotenv_rotation_check"]
    assert check["overdue"] is False and check["audit_intact"] is True and check["interrupted"] is False

    # job 2: only_if_due, and the trail in git says it is not due
    head = site.head()
    status, stdout, stats = site.rotate()
    assert status == "successful", stdout[-3000:]
    assert stats["fernet_dotenv_rotation"]["skipped"] is True and site.head() == head

    # job 3: interval 0, due at once; this time the repository is served over ssh (the harness's sshd on loopback)
    second_kid = site.store_kids()[0]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{ssh_host.port} {(ssh_host.workdir / 'host_key.pub').read_text()}")
    status, stdout, stats = site.rotate(
        key_rotation_interval_days=0, key_rotation_git_repo=f"ssh://root@127.0.0.1:{ssh_host.port}{site.origin}",
        key_rotation_git_ssh_key_file=ssh_host.key_file, key_rotation_git_known_hosts_file=str(known_hosts))
    assert status == "successful", stdout[-3000:]
    assert site.check_head() == set(site.store_kids()) and second_kid not in site.store_kids()
    assert site.archived() == {first_kid, second_kid}
    assert [r["status"] for r in site.trail() if r["event"] == "rotation"] == ["initiated", "completed"] * 2

    # job 4: the same through a "tasks" key store (tasks in the project that write the ring file and an archive of
    # their own), named by a path relative to the project
    third_kid = site.store_kids()[0]
    status, stdout, stats = site.rotate(key_rotation_interval_days=0, key_rotation_key_store="tasks",
                                        key_rotation_key_store_tasks="key_store/files.yml")
    assert status == "successful", stdout[-3000:]
    assert site.check_head() == set(site.store_kids()) and third_kid not in site.store_kids()
    assert stats["fernet_dotenv_rotation"]["retired_kids"] == [third_kid]
    assert [key.kid for key in KeyRing.from_file(f"{site.store}.tasks-archive").keys] == [third_kid]
    assert "expand" in Path(f"{site.store}.stages").read_text().split()

    # a repository that cannot be cloned: a clear failure, the token in its URL never printed, nothing changed
    head, ring = site.head(), site.store_kids()
    status, stdout, _stats = site.rotate(key_rotation_git_repo="https://robot:tok3n-s3cret@127.0.0.1:9/ops/env.git")
    assert status == "failed" and "Cannot clone branch main of the repository" in stdout
    assert "tok3n-s3cret" not in stdout and site.head() == head and site.store_kids() == ring

    found, scanned = leaks(site)
    assert found == [] and scanned > 40


STORE_TASKS = """\
- name: Note the stage
  ansible.builtin.lineinfile:
    path: STORE.stages
    line: "{{ key_rotation_key_store_stage }}"
    create: true
    mode: "0600"

- name: Store the ring
  ansible.builtin.copy:
    content: "{{ key_rotation_key_store_ring }}\\n"
    dest: STORE
    mode: "0600"
  no_log: true

- name: Keep the retired keys
  ansible.builtin.lineinfile:
    path: STORE.tasks-archive
    line: "{{ item }}"
    create: true
    mode: "0600"
  loop: "{{ key_rotation_key_store_retired | split(',') | select }}"
  no_log: true
"""


def test_two_rotation_jobs_at_once_one_push_wins(tmp_path) -> None:
    site = Site(tmp_path, new_values())
    head = site.head()
    results: list[Job] = []
    threads = [threading.Thread(target=lambda: results.append(site.rotate(key_rotation_interval_days=0)))
               for _job in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(job.status for job in results)
    assert statuses == ["failed", "successful"], [job.stdout[-2000:] for job in results]
    loser = next(job.stdout for job in results if job.status == "failed")
    assert "The push to branch main was rejected" in loser and "Nothing was lost" in loser
    assert site.head() != head and len(git("rev-list", "main", cwd=site.origin).split()) == 2
    needed = site.check_head()
    # the store holds the winner's key; the loser's expansion stays until a later rotation contracts it
    assert needed <= set(site.store_kids())

    job = site.rotate(key_rotation_interval_days=0)
    assert job.status == "successful", job.stdout[-3000:]
    assert site.check_head() == set(site.store_kids())
    found, scanned = leaks(site)
    assert found == [] and scanned > 40


def test_jobs_killed_at_random_instants_then_run_again_lose_nothing(tmp_path, capsys) -> None:
    rng = random.Random(os.environ.get("FERNET_DOTENV_SEED", secrets.randbits(32)))
    sites = [Site(tmp_path / name, new_values()) for name in ("a", "b")]
    started = time.monotonic()
    job = sites[0].rotate(key_rotation_interval_days=0)
    span = time.monotonic() - started
    assert job.status == "successful", job.stdout[-3000:]
    figures = dict(trials=0, killed=0, finished_before_kill=0, pushed_before_kill=0, reruns_ok=0, head_checks=0)

    def trials(site: Site, count: int) -> None:
        for _trial in range(count):
            head = site.head()
            status = site.rotate(key_rotation_interval_days=0, kill_after=rng.uniform(0, span)).status
            figures["trials"] += 1
            figures["killed" if status == "killed" else "finished_before_kill"] += 1
            figures["pushed_before_kill"] += status == "killed" and site.head() != head
            site.check_head()
            job = site.rotate(key_rotation_interval_days=0)
            assert job.status == "successful", job.stdout[-3000:]
            site.check_head()
            figures["reruns_ok"] += 1
            figures["head_checks"] += 2

    errors: list[BaseException] = []

    def run_trials(site: Site) -> None:
        try:
            trials(site, KILL_TRIALS // 2)
        except BaseException as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)

    threads = [threading.Thread(target=run_trials, args=(site,)) for site in sites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    for site in sites:
        assert site.check_head() == set(site.store_kids())
    with capsys.disabled():
        print(f"\nAWX jobs killed and run again: unkilled job {span:.1f} s; "
              + ", ".join(f"{name} {value}" for name, value in figures.items()) + "; every check found every value")
    assert figures["trials"] == figures["reruns_ok"] == KILL_TRIALS
    for site in sites:
        assert leaks(site)[0] == []
