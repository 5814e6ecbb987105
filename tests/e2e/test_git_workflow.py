# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The git workflow with real git in temporary repositories, set up by the playbook fernet.dotenv.git_setup: merges
by variable, conflicts by name, a branch opened before a rotation, diffs that show names only, the pre-commit hook,
and the same guard through the real pre-commit framework. No output of any of it holds a value or a key."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import VENV_BIN, bare_python, controller_env

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, decrypt, encrypt, reencrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

COLLECTION = Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)[0]) / "ansible_collections" / \
    "fernet" / "dotenv"
FILE = "app.env.encrypted"


class Repo:
    """A work tree with the keys the test gives it; every output of git is kept for the leak check."""

    def __init__(self, path: Path, key_file: Path, outputs: list[str]) -> None:
        self.path = path
        self.key_file = key_file
        self.outputs = outputs

    def env(self, ring: KeyRing | None) -> dict[str, str]:
        extra = dict(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t",
                     GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
                     GIT_COMMITTER_EMAIL="t@example.invalid", GIT_PAGER="cat", PAGER="cat")
        if ring is not None:
            self.key_file.write_text(ring.to_text())
            self.key_file.chmod(0o600)
            extra["SECRETS_MASTER_KEY_FILE"] = str(self.key_file)
        return controller_env(**extra)

    def git(self, *args: str, ring: KeyRing | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(["git", *args], cwd=self.path, env=self.env(ring), capture_output=True, text=True,
                              timeout=120, check=False)
        self.outputs.extend((done.stdout, done.stderr))
        if check:
            assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done

    def write(self, ring: KeyRing, text: str | None = None, *, name: str = FILE, **changes: str | None) -> None:
        """Encrypt text, or set and remove variables of the file (None removes), keeping unchanged tokens."""
        target = self.path / name
        previous = decrypt(target.read_bytes(), ring) if text is None else None
        document = EnvDocument.parse(text) if text is not None else previous.document
        for variable, value in changes.items():
            if value is None:
                document.remove(variable)
            else:
                document.set(variable, value)
        target.write_bytes(encrypt(document, ring, previous=previous))

    def values(self, ring: KeyRing, name: str = FILE) -> dict[str, str | None]:
        return decrypt((self.path / name).read_bytes(), ring).as_dict()

    def commit(self, message: str, ring: KeyRing | None = None) -> None:
        self.git("add", "-A", ring=ring)
        self.git("commit", "-q", "-m", message, ring=ring)

    def diverge(self, ring: KeyRing, *, theirs: dict | str, ours: dict | str, branch: str = "feature") -> None:
        """Commit theirs on a new branch and ours on main, both from main's head; each is the variables to change
        or the whole text."""
        self.git("checkout", "-q", "-b", branch)
        for side, message in ((theirs, branch), (ours, "main")):
            if isinstance(side, str):
                self.write(ring, side)
            else:
                self.write(ring, **side)
            self.commit(message, ring)
            self.git("checkout", "-q", "main")


def word() -> str:
    """A value no output could hold by chance (a hex marker cannot: it has no 'v' and no '-')."""
    return f"v-{secrets.token_urlsafe(12)}"


def ring_of(*keys: Key) -> KeyRing:
    return KeyRing(list(keys))


def assert_no_secret(outputs: list[str], secrets_: list[str]) -> None:
    text = "\n".join(outputs)
    assert [secret for secret in secrets_ if secret in text] == []


def run_setup(repo: Path | str, *extra: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = controller_env(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run([str(VENV_BIN / "ansible-playbook"), "fernet.dotenv.git_setup", "-e", f"repo={repo}", *extra],
                          env=env, capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


@pytest.fixture(scope="module")
def configured(tmp_path_factory) -> Path:
    """One repository set up by git_setup (twice: the second run changes nothing); tests work on copies of it."""
    path = tmp_path_factory.mktemp("template") / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=controller_env(GIT_CONFIG_GLOBAL=os.devnull))
    first = run_setup(path)
    assert first.returncode == 0, first.stdout[-3000:]
    again = run_setup(path)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
    return path


@pytest.fixture
def repo(configured, tmp_path) -> Repo:
    path = tmp_path / "repo"
    shutil.copytree(configured, path, symlinks=True)
    made = Repo(path, tmp_path / "ring", [])
    made.git("add", ".gitattributes")
    made.git("commit", "-q", "-m", "fernet-aware")
    return made


BASE = "# the database\nDB_HOST={host}\nDB_PASSWORD={password}\n\n# mail\nexport MAIL_TOKEN='{token}'\n"


def start(repo: Repo, ring: KeyRing) -> dict[str, str]:
    values = dict(host=word(), password=word(), token=word())
    repo.write(ring, BASE.format(**values))
    repo.commit("base", ring)
    return values


def test_git_setup_writes_settings_once_and_leaves_a_foreign_hook_alone(configured, tmp_path) -> None:
    config = subprocess.run(["git", "config", "--local", "--list"], cwd=configured, capture_output=True, text=True,
                            check=True).stdout
    entry = (COLLECTION / "bin" / "fernet-dotenv-git").resolve()
    assert f" {entry} merge %O %A %B %P\n" in config and f" {entry} textconv\n" in config
    assert (configured / ".gitattributes").read_text() == "*.env.encrypted merge=fernet-dotenv diff=fernet-dotenv\n"
    assert "pre-commit" in (configured / ".git" / "hooks" / "pre-commit").read_text()
    # check mode on a fresh repository says what it would do and writes nothing
    fresh = tmp_path / "fresh"
    subprocess.run(["git", "init", "-q", str(fresh)], check=True)
    checked = run_setup(fresh, "--check")
    assert checked.returncode == 0 and "changed=" in checked.stdout and "changed=0" not in checked.stdout
    assert not (fresh / ".gitattributes").exists() and not (fresh / ".git" / "hooks" / "pre-commit").exists()
    assert "fernet-dotenv" not in (fresh / ".git" / "config").read_text()
    # a hook that someone else wrote is never replaced
    hook = fresh / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n")
    refused = run_setup(fresh)
    assert refused.returncode != 0 and "was not written by fernet.dotenv.git_setup" in refused.stdout
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"
    assert not (fresh / ".gitattributes").exists()  # it stops before it writes anything
    # no repository: a clear failure
    missing = run_setup(tmp_path / "nowhere")
    assert missing.returncode != 0
    # a relative path is the caller's, from a subdirectory too (it once named the collection's own directory)
    (fresh / "sub").mkdir()
    relative = run_setup("..", "-e", "git_setup_hook=false", cwd=fresh / "sub")
    assert relative.returncode == 0, relative.stdout[-3000:]
    assert (fresh / ".gitattributes").is_file() and "fernet-dotenv" in (fresh / ".git" / "config").read_text()
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"


def test_two_branches_editing_different_variables_merge_cleanly(repo) -> None:
    ring = ring_of(Key.generate())
    values = start(repo, ring)
    base_lines = (repo.path / FILE).read_text().splitlines()
    feature = dict(DB_PASSWORD=word(), CACHE_URL=word())
    main = dict(MAIL_TOKEN=word(), SENTRY_DSN=word())
    repo.diverge(ring, theirs=feature, ours=main)
    merged = repo.git("merge", "-m", "merge feature", "feature", ring=ring)
    assert "merged app.env.encrypted by variable" in merged.stderr
    assert repo.values(ring) == {"DB_HOST": values["host"], **feature, **main} | {"DB_PASSWORD": feature["DB_PASSWORD"]}
    text = decrypt((repo.path / FILE).read_bytes(), ring).text
    assert text.startswith("# the database\n") and "\n# mail\nexport MAIL_TOKEN=" in text
    # unchanged values keep their tokens: DB_HOST's line is the base's
    assert [line for line in base_lines if line.startswith("DB_HOST=")][0] in (repo.path / FILE).read_text()
    assert repo.git("status", "--porcelain").stdout == ""
    assert_no_secret(repo.outputs, [*values.values(), *feature.values(), *main.values(), ring.to_text()])


def test_comments_merge_as_text_and_clash_by_place(repo) -> None:
    ring = ring_of(Key.generate())
    values = start(repo, ring)
    text = decrypt((repo.path / FILE).read_bytes(), ring).text
    repo.diverge(ring, theirs=text.replace("# the database\n", "# the database (primary)\n"),
                 ours=text.replace("# mail\n", "# mail (smtp relay)\n"))
    repo.git("merge", "-m", "merge", "feature", ring=ring)
    merged = decrypt((repo.path / FILE).read_bytes(), ring).text
    assert "# the database (primary)\n" in merged and "# mail (smtp relay)\n" in merged
    # the same comment changed on both sides is a conflict on the comments, named as such
    repo.diverge(ring, theirs=merged.replace("(primary)", "(replica)"), ours=merged.replace("(primary)", "(standby)"),
                 branch="again")
    clash = repo.git("merge", "-m", "merge", "again", ring=ring, check=False)
    assert clash.returncode != 0 and "CONFLICT in app.env.encrypted: the comments and layout" in clash.stderr
    assert "(replica)" not in clash.stderr + clash.stdout  # a comment is as secret as a value
    assert_no_secret(repo.outputs, [*values.values(), ring.to_text()])


def test_the_same_variable_changed_on_both_sides_conflicts_by_name(repo) -> None:
    ring = ring_of(Key.generate())
    values = start(repo, ring)
    theirs = dict(DB_PASSWORD=word(), EXTRA=word())
    ours = dict(DB_PASSWORD=word(), DB_HOST=word())
    repo.diverge(ring, theirs=theirs, ours=ours)
    merged = repo.git("merge", "-m", "merge", "feature", ring=ring, check=False)
    assert merged.returncode != 0
    assert "CONFLICT in app.env.encrypted: DB_PASSWORD changed on both sides" in merged.stderr
    assert "DB_HOST" not in merged.stderr and "EXTRA" not in merged.stderr
    assert repo.git("status", "--porcelain").stdout.startswith("UU app.env.encrypted")
    # the file left for the user is a good encrypted file: ours for the conflict, everything else merged
    assert repo.values(ring) == {"DB_HOST": ours["DB_HOST"], "DB_PASSWORD": ours["DB_PASSWORD"],
                                 "MAIL_TOKEN": values["token"], "EXTRA": theirs["EXTRA"]}
    # removed on one side, changed on the other: a conflict too
    repo.git("merge", "--abort")
    repo.git("checkout", "-q", "-b", "drop", "HEAD~1")
    repo.write(ring, DB_HOST=None)
    repo.commit("drop the host", ring)
    repo.git("checkout", "-q", "main")
    dropped = repo.git("merge", "-m", "merge", "drop", ring=ring, check=False)
    assert dropped.returncode != 0 and "CONFLICT in app.env.encrypted: DB_HOST changed" in dropped.stderr
    assert_no_secret(repo.outputs, [*values.values(), *theirs.values(), *ours.values(), ring.to_text()])


def test_a_branch_opened_before_a_rotation_merges_after_it(repo) -> None:
    old, new = Key.generate(), Key.generate()
    values = start(repo, ring_of(old))
    repo.git("checkout", "-q", "-b", "feature")
    feature = dict(FEATURE_FLAG_KEY=word())
    repo.write(ring_of(old), **feature)
    repo.commit("feature", ring_of(old))
    repo.git("checkout", "-q", "main")
    # the rotation re-encrypts every value under the new key: every line of the file changes
    opened = decrypt((repo.path / FILE).read_bytes(), ring_of(old))
    (repo.path / FILE).write_bytes(reencrypt(opened, ring_of(new)))
    repo.commit("rotate", ring_of(new, old))
    main = dict(DB_HOST=word())
    repo.write(ring_of(new), **main)
    repo.commit("main after the rotation", ring_of(new))
    both = ring_of(new, old)
    # with only the new key, the merge cannot open the branch's file: it says so and leaves git's own conflict
    keyless = repo.git("merge", "-m", "merge", "feature", ring=ring_of(new), check=False)
    assert keyless.returncode != 0 and "cannot merge app.env.encrypted by variable" in keyless.stderr
    assert "Invalid encryption key or corrupted file" in keyless.stderr and old.kid in keyless.stderr
    assert "<<<<<<< ours" in (repo.path / FILE).read_text()
    hook = repo.git("commit", "-a", "-m", "resolved?", ring=ring_of(new), check=False)
    assert hook.returncode != 0 and "refusing the commit" in hook.stderr
    repo.git("merge", "--abort")
    # with both keys, it merges, under the newer key, whichever way round
    repo.git("checkout", "-q", "-b", "back", "feature")
    repo.git("merge", "-m", "main into feature", "main", ring=both)
    assert EncryptedEnv.parse((repo.path / FILE).read_bytes()).kid == new.kid
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-m", "feature into main", "feature", ring=both)
    assert EncryptedEnv.parse((repo.path / FILE).read_bytes()).kid == new.kid
    assert repo.values(ring_of(new)) == {"DB_HOST": main["DB_HOST"], "DB_PASSWORD": values["password"],
                                         "MAIL_TOKEN": values["token"], **feature}
    assert_no_secret(repo.outputs, [*values.values(), *feature.values(), *main.values(), old.to_text(), new.to_text()])


def test_diff_and_log_show_names_and_markers_never_values(repo) -> None:
    old, new = Key.generate(), Key.generate()
    values = start(repo, ring_of(old))
    changed = word()
    repo.write(ring_of(old), DB_PASSWORD=changed, ADDED=word())
    diff = repo.git("diff", ring=ring_of(old)).stdout
    minus = [line.split()[0] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    plus = [line.split()[0] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert (minus, plus) == (["-DB_PASSWORD"], ["+DB_PASSWORD", "+ADDED"])
    assert " DB_HOST  [" in diff and " # comments and layout [" in diff  # unchanged: the same marker on both sides
    repo.commit("change", ring_of(old))
    # a rotation, seen with a ring that holds both keys: only the header changes
    opened = decrypt((repo.path / FILE).read_bytes(), ring_of(old))
    (repo.path / FILE).write_bytes(reencrypt(opened, ring_of(new)))
    repo.commit("rotate", ring_of(new, old))
    rotation = repo.git("show", "HEAD", ring=ring_of(new, old)).stdout
    changes = [line for line in rotation.splitlines() if line[:1] in ("+", "-") and line[:3] not in ("+++", "---")]
    assert changes == [f"-# fernet.dotenv values file, written by kid {old.kid}",
                       f"+# fernet.dotenv values file, written by kid {new.kid}"]
    log = repo.git("log", "-p", ring=ring_of(new, old)).stdout
    assert "DB_PASSWORD  [" in log and "MAIL_TOKEN  [" in log
    # without a key: names, kids and digests of the tokens
    keyless = repo.git("log", "-p", ring=None).stdout
    assert f"written by kid {old.kid} (no key for it here" in keyless and "DB_PASSWORD  [token " in keyless
    assert "gAAAAA" not in keyless + log  # not even the ciphertext
    assert_no_secret(repo.outputs, [*values.values(), changed, old.to_text(), new.to_text()])


def test_without_the_cryptography_library_the_view_says_so(repo) -> None:
    python = bare_python()
    if python == sys.executable:
        pytest.skip("no Python without cryptography on this machine")
    ring = ring_of(Key.generate())
    values = start(repo, ring)
    done = subprocess.run([python, str(COLLECTION / "bin" / "fernet-dotenv-git"), "textconv", FILE], cwd=repo.path,
                          env=repo.env(ring), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "cryptography is required" in done.stdout and "DB_PASSWORD  [token " in done.stdout
    assert_no_secret([done.stdout, done.stderr], [*values.values(), ring.to_text()])


def test_the_hook_refuses_plaintext_and_damaged_files_and_lets_a_good_commit_through(repo) -> None:
    ring = ring_of(Key.generate())
    values = start(repo, ring)
    secret = word()
    for name in (".env", "app/.env.local", "deploy/.env.production.local", ".env.secrets"):
        target = repo.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"API_KEY={secret}\n")
        repo.git("add", name)
        refused = repo.git("commit", "-m", "oops", ring=ring, check=False)
        assert refused.returncode != 0 and f"refusing the commit: {name} is a plaintext .env file" in refused.stderr
        repo.git("rm", "-q", "--cached", name)
        target.unlink()
    (repo.path / ".env.example").write_text("API_KEY=\n")
    repo.commit("the example is fine", ring)
    # a tampered file: two token lines swapped
    good = (repo.path / FILE).read_text()
    lines = good.splitlines(keepends=True)
    lines[1], lines[2] = lines[1].split("=", 1)[0] + "=" + lines[2].split("=", 1)[1], \
        lines[2].split("=", 1)[0] + "=" + lines[1].split("=", 1)[1]
    (repo.path / FILE).write_text("".join(lines))
    repo.git("add", FILE)
    tampered = repo.git("commit", "-m", "tampered", ring=ring, check=False)
    assert tampered.returncode != 0 and "Checksum mismatch" in tampered.stderr
    # without a key the tampering cannot be seen, but a malformed file can
    keyless = repo.git("commit", "-m", "tampered", ring=None, check=False)
    assert keyless.returncode == 0 and "checked for shape only" in keyless.stderr
    (repo.path / FILE).write_text(good.replace("@mac=", "@mac=zz"))
    repo.git("add", FILE)
    malformed = repo.git("commit", "-m", "malformed", ring=None, check=False)
    assert malformed.returncode != 0 and "Checksum mismatch" in malformed.stderr
    # the staged content is what counts, not the work tree
    (repo.path / FILE).write_text(good)
    malformed_staged = repo.git("commit", "-m", "malformed", ring=ring, check=False)
    assert malformed_staged.returncode != 0
    repo.git("add", FILE)
    repo.git("commit", "-q", "-m", "repaired", ring=ring)
    # patterns of one's own, from git config
    repo.git("config", "--local", "--add", "fernet-dotenv.plaintext", "*.env")
    repo.git("config", "--local", "--add", "fernet-dotenv.plaintext", "!public.env")
    (repo.path / "prod.env").write_text(f"X={secret}\n")
    (repo.path / "public.env").write_text("X=\n")
    repo.git("add", "prod.env", "public.env")
    custom = repo.git("commit", "-m", "custom", ring=ring, check=False)
    assert custom.returncode != 0 and "prod.env is a plaintext" in custom.stderr and "public.env" not in custom.stderr
    assert_no_secret(repo.outputs, [*values.values(), secret, ring.to_text()])


def test_the_published_hook_works_in_the_pre_commit_framework(tmp_path) -> None:
    # the collection as a hook repository: a git repository of the installed tree, as pre-commit clones it
    hooks = tmp_path / "hooks"
    shutil.copytree(COLLECTION, hooks, ignore=shutil.ignore_patterns(".git", "tests"))
    env = controller_env(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t",
                         GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
                         GIT_COMMITTER_EMAIL="t@example.invalid", PRE_COMMIT_HOME=str(tmp_path / "cache"))
    outputs: list[str] = []

    def run(*argv: str, cwd: Path, ring: KeyRing | None = None) -> subprocess.CompletedProcess:
        extra = {}
        if ring is not None:
            (tmp_path / "ring").write_text(ring.to_text())
            extra["SECRETS_MASTER_KEY_FILE"] = str(tmp_path / "ring")
        done = subprocess.run(list(argv), cwd=cwd, env={**env, **extra}, capture_output=True, text=True, timeout=300,
                              check=False)
        outputs.extend((done.stdout, done.stderr))
        return done

    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "hooks"]):
        assert run(*argv, cwd=hooks).returncode == 0
    rev = run("git", "rev-parse", "HEAD", cwd=hooks).stdout.strip()
    app = tmp_path / "app"
    app.mkdir()
    (app / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: fernet-dotenv\n")
    ring = ring_of(Key.generate())
    secret = word()
    (app / FILE).write_bytes(encrypt(EnvDocument.parse(f"TOKEN={secret}\n"), ring))
    (app / ".env.example").write_text("TOKEN=\n")
    for argv in (["git", "init", "-q", "-b", "main"], [str(VENV_BIN / "pre-commit"), "install"], ["git", "add", "-A"]):
        done = run(*argv, cwd=app)
        assert done.returncode == 0, done.stderr[-2000:]
    good = run("git", "commit", "-m", "good", cwd=app, ring=ring)
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
    (app / ".env").write_text(f"TOKEN={secret}\n")
    run("git", "add", ".env", cwd=app)
    plaintext = run("git", "commit", "-m", "plaintext", cwd=app, ring=ring)
    assert plaintext.returncode != 0 and ".env is a plaintext .env file" in plaintext.stderr
    run("git", "rm", "-q", "--cached", ".env", cwd=app)
    (app / ".env").unlink()
    data = (app / FILE).read_text()
    (app / FILE).write_text(data.replace("TOKEN=", "TOKEN=" + data.split("TOKEN=")[1][:8], 1))
    run("git", "add", FILE, cwd=app)
    tampered = run(str(VENV_BIN / "pre-commit"), "run", "--all-files", cwd=app, ring=ring)
    assert tampered.returncode != 0 and "Checksum mismatch" in tampered.stdout
    assert_no_secret(outputs, [secret, ring.to_text()])
