# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helpers for key custody: encrypted trees, the ring a user holds after a rotation, and what it opens.

The archive is read here without the product's parser (one key per line, '#' starts a comment), so that a parser
bug cannot hide a lost key.
"""
from __future__ import annotations

import os
import re
import secrets

from cryptography.fernet import Fernet

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

_BACKUP = re.compile(r"(?P<original>.+\.encrypted)\.[0-9]{8}T[0-9]{6}Z(?:-[0-9]+)?\.bak$")
FORMATS = ("values", "whole", "bare")


def make_files(directory: str, ring: KeyRing, *, count: int = 6, subdirectory: str | None = None,
               variables: int = 3) -> dict[str, bytes]:
    """Encrypted files in every format (values, whole, bare); with subdirectory, every other file goes there.
    Returns path -> plaintext."""
    texts = {}
    for n in range(count):
        where = os.path.join(directory, subdirectory) if subdirectory and n % 2 else directory
        os.makedirs(where, exist_ok=True)
        lines = [f"# file {n}"] + [f"VAR_{v}='{secrets.token_urlsafe(12)}'" for v in range(variables)]
        text = ("\r\n" if n % 5 == 4 else "\n").join(lines + [f"export N={n}", ""]).encode()
        path = os.path.join(where, f"app{n}.env.encrypted")
        fmt = FORMATS[n % 3]
        if fmt == "bare":
            data = Fernet(ring.primary.to_text().encode()).encrypt(text) + b"\n"
        else:
            data = encrypt(EnvDocument.from_bytes(text), ring, format=fmt)
        with open(path, "wb") as handle:
            handle.write(data)
        texts[path] = text
    return texts


def read_keys(path: str) -> list[Key]:
    """Every key in a key file or archive ('#' comments allowed); none when it does not exist."""
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read()
    except FileNotFoundError:
        return []
    keys = []
    for line in text.splitlines():
        for part in re.split(r"[\s,]+", line.split("#", 1)[0]):
            if part:
                keys.append(Key.from_text(part))
    return keys


def covering_ring(job_ring: KeyRing, new_key_file: str) -> KeyRing:
    """Every key the user still holds: the job's ring, the ring in new_key_file and the archive beside it."""
    return KeyRing([*job_ring.keys, *read_keys(new_key_file), *read_keys(f"{new_key_file}.retired")])


def unreadable(texts: dict[str, bytes], ring: KeyRing) -> list[str]:
    """The paths that do not open with ring to exactly their original plaintext."""
    lost = []
    for path, text in texts.items():
        try:
            with open(path, "rb") as handle:
                if decrypt(handle.read(), ring, path=path).plaintext != text:
                    lost.append(path)
        except (OSError, FernetDotenvError):
            lost.append(path)
    return sorted(lost)


def backups_under(directory: str, texts: dict[str, bytes]) -> dict[str, bytes]:
    """Backups (<file>.<stamp>.bak) below directory, each with the plaintext of the file it is a copy of."""
    found = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            match = _BACKUP.fullmatch(os.path.join(root, name))
            if match and match["original"] in texts:
                found[os.path.join(root, name)] = texts[match["original"]]
    return found


class InjectedFault(OSError):
    """The error a Faults context raises at its chosen call (an OSError, as the real calls raise)."""


class Faults:
    """Make the Nth file system write, rename, link or fsync (counted together, from entering the context) raise
    an OSError, or end the process at once as SIGKILL would (mode "exit"; only in a forked child). Calls after a
    raise go through, so the code's own clean-up runs for real."""

    CALLS = ("write", "replace", "rename", "link", "fsync")

    def __init__(self, at: int, mode: str = "raise") -> None:
        self.at, self.mode, self.calls, self.fired = at, mode, 0, False
        self._saved: dict = {}

    def _wrap(self, name: str, real):
        def call(*args, **kwargs):
            self.calls += 1
            if self.calls == self.at:
                self.fired = True
                if self.mode == "exit":
                    os._exit(9)
                raise InjectedFault(5, f"injected fault at {name} call {self.calls}")
            return real(*args, **kwargs)
        return call

    def __enter__(self) -> Faults:
        for name in self.CALLS:
            self._saved[name] = getattr(os, name)
            setattr(os, name, self._wrap(name, self._saved[name]))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for name, real in self._saved.items():
            setattr(os, name, real)
