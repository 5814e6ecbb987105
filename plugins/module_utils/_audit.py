# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""The audit trail (JSON Lines, append only, hash-chained) and the lock that serialises rotations.

Each line is one JSON object. Its "prev" field is the hex SHA-256 of the line before it (None on the first), so
editing or deleting any line but the last breaks the chain. Appends take an exclusive flock on the trail itself;
rotations hold a separate lock file beside it for their whole run, and a lock on every directory they write in.

The chain alone proves nothing about who wrote a line: anyone who can write the file can append a well-formed
record with the right "prev" (a forged "completed" would switch off only_if_due). So every record written with a
key at hand ends with "mac": "<kid>:<hex HMAC-SHA256 of the line before that field, under a key derived from the
key with that kid>". A rotation's "completed" record carries two, space-separated: one under the old ring's
primary and one under the new key, so that the trail still verifies once the old key was retired (a job that is
given only the current ring - an AWX credential after the contract - trusts the last rotation). Whoever holds a
signing key detects a record edited, or appended by someone without a key of the
ring: a MAC that does not verify, or no MAC on a line after the first signed one, makes the trail not intact, and
such records never count for the schedule. A record signed with a key not at hand cannot be checked; it does not
count either. What no MAC can show: that the last lines were cut off (the trail ends where it ends), and which
holder of a key wrote a line.

A record that cannot be read - not JSON, a field of the wrong type, a time that is not a UTC RFC 3339 time of a
plausible year - is a problem of the trail (reported with the file and line), never a Python error.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import fcntl
import getpass
import hashlib
import hmac
import json
import os
import re
import resource
import socket
import stat
import time
import uuid
from dataclasses import dataclass, field

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import AuditError, LockTimeoutError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import write_all
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KEY_TEXT, Key, KeyRing


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


# Years a record may carry: far enough ahead that the due date of any allowed interval is still a date.
FIRST_YEAR, LAST_YEAR = 1970, 9000


def parse_rfc3339(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def _is_time(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return FIRST_YEAR <= parse_rfc3339(value).year <= LAST_YEAR
    except ValueError:
        return False


_OPTIONAL_TEXT_FIELDS = ("status", "old_key_fingerprint", "new_key_fingerprint", "reason", "error", "mac")
_LIST_FIELDS = ("files", "backups")


def record_problem(record: object) -> str | None:
    """What makes a parsed line unusable as a record, or None. Never quotes the offending value."""
    if not isinstance(record, dict):
        return "is not a JSON object"
    if not isinstance(record.get("id"), str) or not record["id"]:
        return "has no id, or an id that is not text"
    if not _is_time(record.get("time")):
        return "has no time, or a time that is not a UTC RFC 3339 time (YYYY-MM-DDTHH:MM:SSZ)"
    if not isinstance(record.get("event"), str):
        return "has no event, or an event that is not text"
    for name in _OPTIONAL_TEXT_FIELDS:
        if record.get(name) is not None and not isinstance(record[name], str):
            return f"has a {name} that is not text"
    for name in _LIST_FIELDS:
        if record.get(name) is not None and not isinstance(record[name], list):
            return f"has {name} that is not a list"
    if record.get("next_rotation_due") is not None and not _is_time(record["next_rotation_due"]):
        return "has a next_rotation_due that is not a UTC RFC 3339 time"
    if record.get("prev") is not None and not isinstance(record["prev"], str):
        return "has a prev that is not text"
    return None


_RECORD_MAC_CONTEXT = b"fernet.dotenv audit-record MAC v1"
_ONE_MAC = rb"[0-9a-f]{16}:[0-9a-f]{64}"
_MAC_FIELD = re.compile(rb'(?P<body>\{.*),"mac":"(?P<macs>' + _ONE_MAC + rb"(?: " + _ONE_MAC + rb')*)"\}')


def _record_mac(key: Key, body: bytes) -> str:
    """HMAC-SHA256 of a record's line without its MAC, under a key derived from key for this use only."""
    return hmac.new(hmac.new(key.raw, _RECORD_MAC_CONTEXT, hashlib.sha256).digest(), body, hashlib.sha256).hexdigest()


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
    """The result of reading a trail: its readable records, whether the hash chain holds and every record could be
    read, and the first problem (naming the file and line)."""

    intact: bool
    records: list[dict] = field(default_factory=list)
    problem: str | None = None
    unreadable: str | None = None  # the first line that is not a usable record (a broken chain is not this)
    forged: str | None = None  # the first record whose MAC does not verify, or that lacks one after a signed one
    unverified: int = 0  # records signed with a key not at hand (they do not count in records)
    readable: list[dict] = field(default_factory=list)  # every record that reads, trusted or not


class AuditTrail:
    """An append-only JSON Lines file of events."""

    def __init__(self, path: str) -> None:
        self.path = path

    def append(self, record: dict, *, key: Key | None = None, cosign: Key | None = None) -> dict:
        """Append one record (adding id, time, prev and, with key, its MAC - and with cosign a second one) under an
        exclusive lock, durably; return it."""
        entry = {"id": record.get("id") or uuid.uuid4().hex, "time": record.get("time") or rfc3339(utc_now())}
        entry.update({k: v for k, v in record.items() if k not in ("id", "time", "prev")})
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640)
        except OSError as exc:
            raise AuditError(f"Cannot write the audit trail {self.path}: {exc.strerror}") from None
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                last = _last_line(handle)
                entry["prev"] = line_hash(last) if last else None
                line = json.dumps(entry, separators=(",", ":"), sort_keys=False, default=str)
                if key is not None:
                    signers = [key] + ([cosign] if cosign is not None and cosign != key else [])
                    entry["mac"] = " ".join(f"{signer.kid}:{_record_mac(signer, line.encode('utf-8'))}"
                                            for signer in signers)
                    line = f'{line[:-1]},"mac":"{entry["mac"]}"}}'
                if KEY_TEXT.search(line):
                    raise AuditError(
                        f"Refusing to write to the audit trail {self.path}: the record holds something shaped "
                        "like a Fernet key"
                    )
                handle.seek(0, os.SEEK_END)
                if handle.tell() and not _ends_with_newline(handle):
                    line = "\n" + line
                write_all(handle.fileno(), (line + "\n").encode("utf-8"))
                os.fsync(handle.fileno())
            except OSError as exc:
                raise AuditError(f"Cannot write the audit trail {self.path}: {exc.strerror}") from None
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return entry

    def check(self, keys: KeyRing | None = None) -> AuditCheck:
        """Read every record and verify the chain and, with keys, the records' MACs; a missing trail is an empty,
        intact one. Only records that can be trusted are returned: readable, and - with keys - verified, or
        unsigned but older than the first signed record (written before records were signed)."""
        try:
            with open(self.path, "rb") as handle:
                raw_lines = handle.read().split(b"\n")
        except FileNotFoundError:
            return AuditCheck(intact=True)
        except OSError as exc:
            raise AuditError(f"Cannot read the audit trail {self.path}: {exc.strerror}") from None
        check = AuditCheck(intact=True)
        previous: bytes | None = None
        signed = False
        for number, raw in enumerate(raw_lines, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                record = None
                problem = "is not JSON"
            else:
                problem = record_problem(record)
            if problem is None and record.get("prev") != (line_hash(previous) if previous is not None else None):
                self._note(check, number, "does not follow the line before it: an earlier line was edited or removed")
            previous = raw
            if problem is not None:
                self._note(check, number, f"cannot be read: the record {problem}")
                check.unreadable = check.unreadable or f"{self.path} line {number} cannot be read: the record {problem}"
                continue
            check.readable.append(record)
            if "mac" in record:
                signed = True
            if keys is not None and not self._trusted(check, number, raw, record, keys, signed_before=signed):
                continue
            check.records.append(record)
        return check

    def _trusted(self, check: AuditCheck, number: int, raw: bytes, record: dict, keys: KeyRing, *,
                 signed_before: bool) -> bool:
        """Whether a record verifies with keys at hand (noting why not in check)."""
        mac = _MAC_FIELD.fullmatch(raw.rstrip(b"\r"))
        if "mac" not in record:
            if not signed_before:
                return True  # written before records were signed; the chain still covers it
            what = "carries no MAC, unlike the records before it: it was written by someone without a key"
        elif mac is None:
            what = "has a MAC of the wrong shape"
        else:
            # every MAC under a key at hand must verify, and at least one key must be at hand
            known = [(keys.find(kid), value) for kid, value in
                     (item.split(":") for item in mac["macs"].decode("ascii").split(" "))]
            known = [(key, value) for key, value in known if key is not None]
            if not known:
                check.unverified += 1
                return False
            if all(hmac.compare_digest(_record_mac(key, mac["body"] + b"}"), value) for key, value in known):
                return True
            what = "has a MAC that does not verify: it was edited, or written by someone without the key"
        self._note(check, number, what)
        check.forged = check.forged or f"{self.path} line {number} {what}"
        return False

    def _note(self, check: AuditCheck, number: int, what: str) -> None:
        check.intact = False
        if check.problem is None:
            check.problem = f"{self.path} line {number} {what}"


def _ends_with_newline(handle) -> bool:
    handle.seek(-1, os.SEEK_END)
    return handle.read(1) == b"\n"


_HOLDER_BYTES = 128
_HOLDER = re.compile(r"pid [0-9]+ on [^\s]+")


class FileLock:
    """An exclusive flock, waiting up to timeout seconds; the error names the lock (and the holder of a lock file).

    A lock file is opened without following a symlink and must be a regular file with one link; it is never
    truncated, only its first bytes name the holder. With directory=True the lock is taken on the directory itself,
    which leaves no file behind. The lock lives as long as any process holds the descriptor: a rotation's worker
    processes (forked) keep it until they are gone, and the kernel drops it when the last one dies.
    """

    def __init__(self, path: str, *, timeout: float = 60.0, poll: float = 0.1, directory: bool = False,
                 deadline: float | None = None) -> None:
        self.path = path
        self.timeout = timeout
        self.deadline = deadline  # a time.monotonic() instant shared with other locks, instead of now + timeout
        self.poll = poll
        self.directory = directory
        self._fd: int | None = None

    @property
    def what(self) -> str:
        return f"the lock on the directory {self.path}" if self.directory else f"the lock {self.path}"

    def _open(self) -> int:
        try:
            if self.directory:
                return os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise AuditError(f"Cannot open {self.what}: {exc.strerror}") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            os.close(fd)
            raise AuditError(f"Cannot use {self.path} as a lock: it is not a regular file of its own")
        return fd

    def __enter__(self) -> FileLock:
        fd = self._open()
        deadline = self.deadline if self.deadline is not None else time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise AuditError(f"Cannot take {self.what}: {exc.strerror}") from None
                if time.monotonic() >= deadline:
                    holder = "" if self.directory else _read_holder(fd)
                    os.close(fd)
                    raise LockTimeoutError(
                        f"Timed out after {self.timeout:g}s waiting for {self.what}"
                        f"{f' (held by {holder})' if holder else ''}: another rotation is running"
                    ) from None
                time.sleep(self.poll)
        if not self.directory and os.fstat(fd).st_size <= _HOLDER_BYTES:
            holder = f"pid {os.getpid()} on {os.uname()[1]}"[:_HOLDER_BYTES - 1]
            os.pwrite(fd, (holder.ljust(_HOLDER_BYTES - 1) + "\n").encode("utf-8"), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    try:
        match = _HOLDER.match(os.pread(fd, _HOLDER_BYTES, 0).decode("ascii", "replace"))
    except OSError:
        return ""
    return match.group(0) if match else ""


class Locks:
    """Lock files and directories taken together, in one global order (sorted by path), so that two holders of
    overlapping sets wait for each other instead of deadlocking; one timeout for the whole set."""

    def __init__(self, *, files: list[str], directories: list[str], timeout: float = 60.0) -> None:
        wanted = {(path, False) for path in files} | {(path, True) for path in directories}
        self.locks = sorted(wanted)
        self.timeout = timeout
        self._stack: contextlib.ExitStack | None = None

    def __enter__(self) -> Locks:
        _allow_open_files(len(self.locks) + 256)
        deadline = time.monotonic() + self.timeout
        with contextlib.ExitStack() as stack:
            for path, directory in self.locks:
                stack.enter_context(FileLock(path, timeout=self.timeout, directory=directory, deadline=deadline))
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None


def _allow_open_files(count: int) -> None:
    """Raise this process's soft limit of open files to count when the hard limit allows (a rotation of files in
    thousands of directories holds a descriptor per directory)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < count:
        wanted = count if hard == resource.RLIM_INFINITY else min(count, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            pass
