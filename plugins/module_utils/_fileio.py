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

import errno
import os
import stat
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
    """Read a whole regular file, turning every OS error into one sentence that names it. Anything else is refused
    before a byte is read: a FIFO would block the reader for ever."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FernetDotenvError(f"Cannot read {path}: the {what} does not exist") from None
    except OSError as exc:
        raise FernetDotenvError(f"Cannot read {path}: {exc.strerror}") from None
    kind = os.fstat(fd).st_mode
    if not stat.S_ISREG(kind):
        os.close(fd)
        what = f"a directory, not a {what}" if stat.S_ISDIR(kind) else "not a regular file"
        raise FernetDotenvError(f"Cannot read {path}: it is {what}")
    with os.fdopen(fd, "rb") as handle:
        try:
            return handle.read()
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
                      owner: tuple[int, int] | None = None, syncer: Syncer | None = None) -> str:
    """Write data to a new temp file in path's directory, fsync it (or hand it to syncer, which does) and return its
    name (the caller renames it). The temp is 0600 from its creation; mode and owner (uid, gid; -1 keeps one) are
    set on it through its descriptor before anyone could open it by name. tag marks temps of one kind
    (".name.<tag>XXXX.tmp") so that their owner can find leftovers after a crash."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FernetDotenvError(f"Cannot write {path}: the directory {directory} does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{tag}", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FernetDotenvError(f"Cannot write {path}: {exc.strerror} in {directory}") from None
    try:
        write_all(fd, data)
        if owner is not None:
            os.fchown(fd, *owner)
        if mode is not None:
            os.fchmod(fd, mode)
        if syncer is None:
            os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        discard(temp)
        what = "set the owner or group of" if exc.errno in (errno.EPERM, errno.EINVAL) and owner else "write"
        raise FernetDotenvError(f"Cannot {what} {path}: {exc.strerror}") from None
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


def write_secret(path: str, data: bytes, *, mode: int | None = None, owner: tuple[int, int] | None = None,
                 backup: bool = False) -> str | None:
    """The one way a key, a plaintext .env or an encrypted file is written: a 0600 temp beside the target, the
    mode and owner set on the temp, fsync, rename. The target never exists with a looser mode than asked for, not
    even for an instant, and a failure (an owner that cannot be set) leaves the old file and no temp.

    mode None keeps an existing file's mode (0600 for a new one); owner None keeps an existing file's owner. A
    symlink is written through to the file it points at; a symlink to nothing, or anything but a regular file, is
    refused. With backup, the bytes being replaced are kept first as an exclusive 0600 copy; its name is returned.
    """
    target = secret_target(path)
    current = os.stat(target) if os.path.exists(target) else None
    if mode is None:
        mode = stat.S_IMODE(current.st_mode) if current else SECRET_MODE
    if current is not None:
        # what the task does not set stays as it was (-1 in owner keeps the user or the group)
        uid, gid = owner or (-1, -1)
        owner = (current.st_uid if uid == -1 else uid, current.st_gid if gid == -1 else gid)
        if owner == (os.geteuid(), os.getegid()):
            owner = None
    temp = write_temp_beside(target, data, mode=mode, owner=owner)
    try:
        backup_name = make_backup(target, copy=True) if backup and current else None
    except FernetDotenvError:
        discard(temp)
        raise
    replace_with(temp, target)
    return backup_name


def secret_target(path: str) -> str:
    """The file a write to path lands in: path, or the file a symlink there points at. Refuses a symlink to
    nothing (it could point anywhere a planted link likes) and anything that is not a regular file (a FIFO would
    hang the reader, a device would be written to)."""
    if os.path.islink(path) and not os.path.exists(path):
        raise FernetDotenvError(f"Cannot write {path}: it is a symlink to a file that does not exist")
    target = os.path.realpath(path) if os.path.islink(path) else path
    if os.path.exists(target) and not os.path.isfile(target):
        kind = "a directory" if os.path.isdir(target) else "not a regular file"
        raise FernetDotenvError(f"Cannot write {path}: it is {kind}")
    return target


def make_backup(path: str, *, backup_dir: str | None = None, copy: bool = False, now: float | None = None) -> str:
    """Keep the current bytes of path as <name>.<UTC timestamp>[-n].bak, beside it or in backup_dir, and return
    the name. A hard link where the file system allows (instant, and the original's inode is never written
    again: writers here always rename), else - or with copy, for plaintext and keys, whose backup must be 0600
    whatever the original's mode - a 0600 copy. Either way the name is created exclusively: whatever already sits
    there (a file, a planted symlink) is neither followed nor replaced; the next name is taken."""
    source = os.path.realpath(path)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    base = os.path.join(backup_dir or os.path.dirname(os.path.abspath(path)), os.path.basename(path))
    if backup_dir and not os.path.isdir(backup_dir):
        raise FernetDotenvError(f"Cannot back up {path}: the backup directory {backup_dir} does not exist")
    counter = 0
    while True:
        counter += 1
        candidate = f"{base}.{stamp}.bak" if counter == 1 else f"{base}.{stamp}-{counter}.bak"
        if not copy:
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
