# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end harness: real ansible-playbook runs against localhost and a real sshd on 127.0.0.1.

The sshd is started by the session fixture (conftest.py) with its own host key, client key and config, and stopped by PID at
the end. Nothing listens beyond loopback.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / "playbooks"
VENV_BIN = Path(sys.executable).parent
SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bare_python() -> str:
    """A Python without cryptography, to show that plain decrypt_env needs nothing else on the target."""
    candidates = [os.path.expanduser("~/.pyenv/versions/3.12.1/bin/python"), "/usr/bin/python3"]
    for candidate in candidates:
        if os.path.exists(candidate):
            probe = subprocess.run([candidate, "-c", "import cryptography"], capture_output=True, check=False)
            if probe.returncode != 0:
                return candidate
    return sys.executable


@dataclass
class SshHost:
    port: int
    key_file: str
    workdir: Path

    def inventory_vars(self, python: str) -> str:
        return (
            f"ansible_host=127.0.0.1 ansible_port={self.port} ansible_user=root "
            f"ansible_ssh_private_key_file={self.key_file} "
            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null' "
            f"ansible_python_interpreter={python}"
        )


def sshd_session(tmp_path_factory):
    """Start an sshd on 127.0.0.1 for the session, yield its SshHost, stop it by PID."""
    if not os.path.exists(SSHD):
        pytest.fail("sshd is missing: run scripts/ensure-system-packages (make test does)")
    workdir = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(workdir / name)], check=True)
    shutil.copy(workdir / "client_key.pub", workdir / "authorized_keys")
    port = free_port()
    config = workdir / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {workdir / 'host_key'}\nPidFile {workdir / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {workdir / 'authorized_keys'}\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nPermitUserEnvironment no\n"
        "Subsystem sftp internal-sftp\n"
    )
    os.makedirs("/run/sshd", exist_ok=True)
    log = open(workdir / "sshd.log", "wb")
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"sshd did not start: {(workdir / 'sshd.log').read_text()}")
            time.sleep(0.1)
    yield SshHost(port=port, key_file=str(workdir / "client_key"), workdir=workdir)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def controller_env(**extra: str) -> dict[str, str]:
    """The environment of ansible-playbook: ours minus any key the developer's shell may hold, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETS_MASTER_KEY")}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_PIPELINING="False",
    )
    env.update(extra)
    return env


def run_playbook(playbook: str, inventory: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOKS / playbook), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every descendant, as a crash of the machine would. Killing a process group is not
    enough: ansible-runner starts ansible-playbook in a session of its own, and ansible-core (2.19) runs each task's
    worker - and so the module - in a new session too. Stop them all first, so that none forks a child that
    escapes, then kill them."""
    while True:
        family = descendants(pid) | ({pid} if Path(f"/proc/{pid}").exists() else set())
        if not family:
            return
        for member in family:
            try:
                os.kill(member, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        if descendants(pid) | ({pid} if Path(f"/proc/{pid}").exists() else set()) == family:
            break
    for member in family:
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass


def descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found
