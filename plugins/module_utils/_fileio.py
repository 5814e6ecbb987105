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

import os
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor

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


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of data to fd (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Syncer:
    """Makes written files durable (fsync, then close) on helper threads while the caller goes on computing, so
    waiting for the disk overlaps with work; wait() returns once every file handed over is durable."""

    def __init__(self, threads: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads)
        self._pending: list[tuple[str, Future]] = []

    def submit(self, fd: int, path: str) -> None:
        """Take over fd (an open file of path): fsync it, then close it."""
        self._pending.append((path, self._pool.submit(_sync_and_close, fd)))

    def wait(self) -> None:
        """Block until every file handed over is durable; the first failure is raised as one sentence."""
        pending, self._pending = self._pending, []
        failures = [(path, future.exception()) for path, future in pending]
        for path, failure in failures:
            if isinstance(failure, OSError):
                raise FernetDotenvError(f"Cannot write {path}: {failure.strerror}")
            if failure is not None:
                raise failure

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _sync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_sync_close(fd: int, data: bytes) -> None:
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def write_temp_beside(path: str, data: bytes, *, mode: int | None = None, tag: str = "",
                      syncer: Syncer | None = None) -> str:
    """Write data to a new temp file in path's directory, fsync it (or hand it to syncer, which does) and return its
    name (the caller renames it). tag marks temps of one kind (".name.<tag>XXXX.tmp") so that their owner can find
    leftovers after a crash."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FernetDotenvError(f"Cannot write {path}: the directory {directory} does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{tag}", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FernetDotenvError(f"Cannot write {path}: {exc.strerror} in {directory}") from None
    try:
        write_all(fd, data)
        if mode is not None:
            os.fchmod(fd, mode)
        if syncer is None:
            os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        discard(temp)
        raise FernetDotenvError(f"Cannot write {path}: {exc.strerror}") from None
    if syncer is None:
        os.close(fd)
    else:
        syncer.submit(fd, temp)
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


def atomic_write(path: str, data: bytes, *, mode: int | None = None, tag: str = "") -> None:
    """Replace path with data atomically. mode None keeps an existing file's mode, else uses 0600."""
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            mode = SECRET_MODE
    replace_with(write_temp_beside(path, data, mode=mode, tag=tag), path)


def make_backup(path: str, *, backup_dir: str | None = None, now: float | None = None) -> str:
    """Keep the current bytes of path as <name>.<UTC timestamp>[-n].bak, beside it or in backup_dir, and return
    the name. A hard link where the file system allows (instant, and the original's inode is never written
    again: writers here always rename), else a 0600 copy. Either way the name is created exclusively: whatever
    already sits there (a file, a planted symlink) is neither followed nor replaced; the next name is taken."""
    source = os.path.realpath(path)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    base = os.path.join(backup_dir or os.path.dirname(os.path.abspath(path)), os.path.basename(path))
    if backup_dir and not os.path.isdir(backup_dir):
        raise FernetDotenvError(f"Cannot back up {path}: the backup directory {backup_dir} does not exist")
    counter = 0
    while True:
        counter += 1
        candidate = f"{base}.{stamp}.bak" if counter == 1 else f"{base}.{stamp}-{counter}.bak"
        try:
            os.link(source, candidate)
            return candidate
        except FileExistsError:
            continue
        except OSError:
            pass  # another file system, or no hard links there: copy
        try:
            _copy_exclusive(source, candidate)
            return candidate
        except FileExistsError:
            continue
        except OSError as exc:
            raise FernetDotenvError(f"Cannot back up {path} to {candidate}: {exc.strerror}") from None


def _copy_exclusive(source: str, target: str) -> None:
    data = read_bytes(source)
    # O_EXCL: an existing name (ours or planted) raises FileExistsError before anything is written
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, SECRET_MODE)
    try:
        _write_sync_close(fd, data)
    except OSError:
        discard(target)
        raise


def append_durably(path: str, data: bytes, *, mode: int = SECRET_MODE) -> None:
    """Append data to path (created with mode if missing; a symlink there is refused) and fsync it, and the
    directory when the file is new."""
    existed = os.path.lexists(path)
    try:
        _write_sync_close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, mode),
                          data)
    except OSError as exc:
        raise FernetDotenvError(f"Cannot write {path}: {exc.strerror}") from None
    if not existed:
        fsync_dir(os.path.dirname(os.path.abspath(path)))
