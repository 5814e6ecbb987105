# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""The audit trail (JSON Lines, append only, hash-chained) and the lock that serialises rotations.

Each line is one JSON object. Its "prev" field is the hex SHA-256 of the line before it (None on the first), so
editing or deleting any line but the last breaks the chain. Appends take an exclusive flock on the trail itself;
rotations hold a separate lock file beside it for their whole run.
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import getpass
import hashlib
import json
import os
import re
import socket
import time
import uuid
from dataclasses import dataclass, field

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import AuditError, LockTimeoutError

# Shaped like a Fernet key (URL-safe base64 of 32 bytes): never allowed into the trail.
_KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=")


def local_actor() -> dict:
    """The user and host this process runs as, for the actor field of a record."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return {"user": user, "host": socket.gethostname()}


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def rfc3339(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def _last_line(handle) -> bytes:
    """The last non-empty line of an open binary file, read from the end."""
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    chunk = b""
    position = end
    while position > 0:
        step = min(4096, position)
        position -= step
        handle.seek(position)
        chunk = handle.read(step) + chunk
        stripped = chunk.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return chunk.rstrip(b"\n")


@dataclass
class AuditCheck:
    """The result of reading a trail: its records and whether the hash chain holds."""

    intact: bool
    records: list[dict] = field(default_factory=list)
    problem: str | None = None


class AuditTrail:
    """An append-only JSON Lines file of events."""

    def __init__(self, path: str) -> None:
        self.path = path

    def append(self, record: dict) -> dict:
        """Append one record (adding id, time and prev) under an exclusive lock, durably; return it."""
        entry = {"id": record.get("id") or uuid.uuid4().hex, "time": record.get("time") or rfc3339(utc_now())}
        entry.update({k: v for k, v in record.items() if k not in ("id", "time", "prev")})
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
        except OSError as exc:
            raise AuditError(f"Cannot write the audit trail {self.path}: {exc.strerror}") from None
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                last = _last_line(handle)
                entry["prev"] = line_hash(last) if last else None
                line = json.dumps(entry, separators=(",", ":"), sort_keys=False, default=str)
                if _KEY_SHAPE.search(line):
                    raise AuditError(
                        f"Refusing to write to the audit trail {self.path}: the record holds something shaped "
                        "like a Fernet key"
                    )
                handle.seek(0, os.SEEK_END)
                if handle.tell() and not _ends_with_newline(handle):
                    line = "\n" + line
                handle.write((line + "\n").encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return entry

    def check(self) -> AuditCheck:
        """Read every record and verify the chain; a missing trail is an empty, intact one."""
        try:
            with open(self.path, "rb") as handle:
                raw_lines = [line for line in handle.read().split(b"\n") if line.strip()]
        except FileNotFoundError:
            return AuditCheck(intact=True)
        except OSError as exc:
            raise AuditError(f"Cannot read the audit trail {self.path}: {exc.strerror}") from None
        records: list[dict] = []
        problem = None
        previous: bytes | None = None
        for number, raw in enumerate(raw_lines, 1):
            try:
                record = json.loads(raw)
                if not isinstance(record, dict):
                    raise ValueError
            except ValueError:
                problem = problem or f"line {number} is not a JSON object"
                previous = raw
                continue
            expected = line_hash(previous) if previous is not None else None
            if record.get("prev") != expected and problem is None:
                problem = f"line {number} does not follow line {number - 1}: an earlier line was edited or removed"
            records.append(record)
            previous = raw
        return AuditCheck(intact=problem is None, records=records, problem=problem)


def _ends_with_newline(handle) -> bool:
    handle.seek(-1, os.SEEK_END)
    return handle.read(1) == b"\n"


class FileLock:
    """An exclusive flock on a lock file, waiting up to timeout seconds; the error names the lock and holder."""

    def __init__(self, path: str, *, timeout: float = 60.0, poll: float = 0.1) -> None:
        self.path = path
        self.timeout = timeout
        self.poll = poll
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o640)
        except OSError as exc:
            raise AuditError(f"Cannot create the lock file {self.path}: {exc.strerror}") from None
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise AuditError(f"Cannot lock {self.path}: {exc.strerror}") from None
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise LockTimeoutError(
                        f"Timed out after {self.timeout:g}s waiting for the lock {self.path}"
                        f"{f' (held by {holder})' if holder else ''}: another rotation is running"
                    ) from None
                time.sleep(self.poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {os.uname()[1]}\n".encode("utf-8"), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
