# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Safe file writing: a temp file beside the target, fsync, rename, fsync of the directory.

A reader of the target sees the old bytes or the new bytes, never a mix, whatever instant the writer dies at.
Temp files are created 0600, so a plaintext never sits on disk with looser permissions than its target.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError

SECRET_MODE = 0o600


def fsync_dir(directory: str) -> None:
    """Make renames in directory durable (best effort: some file systems refuse)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_bytes(path: str, *, what: str = "file") -> bytes:
    """Read a whole file, turning every OS error into one sentence that names it."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise FernetDotenvError(f"Cannot read {path}: the {what} does not exist") from None
    except IsADirectoryError:
        raise FernetDotenvError(f"Cannot read {path}: it is a directory, not a {what}") from None
    except OSError as exc:
        raise FernetDotenvError(f"Cannot read {path}: {exc.strerror}") from None


def write_temp_beside(path: str, data: bytes, *, mode: int | None = None, tag: str = "") -> str:
    """Write data to a new fsynced temp file in path's directory and return its name (the caller renames it).
    tag marks temps of one kind (".name.<tag>XXXX.tmp") so that their owner can find leftovers after a crash."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FernetDotenvError(f"Cannot write {path}: the directory {directory} does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{tag}", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FernetDotenvError(f"Cannot write {path}: {exc.strerror} in {directory}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
    except OSError as exc:
        discard(temp)
        raise FernetDotenvError(f"Cannot write {path}: {exc.strerror}") from None
    return temp


def discard(temp: str) -> None:
    try:
        os.unlink(temp)
    except OSError:
        pass


def replace_with(temp: str, path: str) -> None:
    """Rename temp over path and make the rename durable."""
    try:
        os.replace(temp, path)
    except OSError as exc:
        discard(temp)
        raise FernetDotenvError(f"Cannot write {path}: {exc.strerror}") from None
    fsync_dir(os.path.dirname(os.path.abspath(path)))


def atomic_write(path: str, data: bytes, *, mode: int | None = None) -> None:
    """Replace path with data atomically. mode None keeps an existing file's mode, else uses 0600."""
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            mode = SECRET_MODE
    replace_with(write_temp_beside(path, data, mode=mode), path)


def backup_path(path: str, *, backup_dir: str | None = None, now: float | None = None) -> str:
    """A timestamped name for a backup of path, beside it or in backup_dir, that no other file has."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    base = os.path.join(backup_dir or os.path.dirname(os.path.abspath(path)), os.path.basename(path))
    candidate = f"{base}.{stamp}.bak"
    counter = 1
    while os.path.lexists(candidate):
        counter += 1
        candidate = f"{base}.{stamp}-{counter}.bak"
    return candidate


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
