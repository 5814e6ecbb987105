# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Safe key rotation and the rotation status read from the audit trail.

Key custody: at every instant, every rotated file and every backup opens with the job's ring + new_key_file + its
archive (<new_key_file>.retired). The order of a rotation is what makes it so:

1. lock <audit_file>.lock, every directory holding a rotated file and the directory of new_key_file, in one sorted
   order, so that two rotations of the same files wait for each other whatever audit files they name; then remove
   the temps a dead rotation left in those directories (every rotation writes temps only in directories it holds
   locked, so under the lock no temp there has a live writer);
2. with only_if_due, skip unless due (an interrupted rotation is always due);
3. open every file with the job's ring + new_key_file + archive and re-encrypt it in memory under the new key;
   any failure: record "failed" and change nothing, not even a key file;
4. record "initiated" - or "in_progress" when this run finishes an interrupted rotation with that rotation's key
   (which a run without new_key does whenever the key is at hand);
5. write new_key_file = new key + every key it held + the keys the files were under (merged, never replaced);
6. write each file's new bytes to a temp beside it and check that the temp decrypts with the new key alone to
   exactly the old plaintext; any failure: remove this run's temps, record "failed", change no file;
7. back up every original, then rename every temp into place;
8. record "completed" (with the id of the interrupted rotation it finished); then, unless keep_old_key, append the
   other keys of new_key_file to the archive and leave the new key alone in new_key_file.

Every record is signed with the primary key of the job's ring: a key the user holds before the run (in the
credential or the key file) and after it (the key file puts it in the archive when it retires it), so records
can always be verified, even those of a run that died before its new key was written anywhere.

Steps 3 and 6 run in forked worker processes (one per core) when there are enough files; a file's plaintext
exists only in the process that opened it, only until its new bytes are made, and only its SHA-256 is kept to
verify the temp. Workers inherit the locks, so a rotation's locks outlive it until its last worker is gone.
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import json
import math
import os
import re
import stat
import sys
import time
import uuid
from dataclasses import dataclass, field

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import (
    AuditTrail,
    Locks,
    parse_rfc3339,
    rfc3339,
    utc_now,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import (
    Syncer,
    discard,
    fsync_dir,
    make_backup,
    read_bytes,
    write_all,
    write_temp_beside,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, decrypt, reencrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyfiles import KEY_TEMP_TAG, KeyFile
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

AUDIT_NAME = ".fernet-dotenv-audit.jsonl"
ENCRYPTED_SUFFIX = ".encrypted"
TEMP_TAG = "rotate-"
DAY = datetime.timedelta(days=1)
MAX_INTERVAL_DAYS = 36500
# below this many files per worker, forking costs more than it saves
FILES_PER_WORKER = 8
_STALE_TEMP = re.compile(rf"\..+\.(?:{re.escape(TEMP_TAG)}|{re.escape(KEY_TEMP_TAG)})[A-Za-z0-9_]+\.tmp")


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, glob matches, and every file ending in .encrypted below a directory (dotfiles included);
    each real file once, in sorted order."""
    found: dict[str, str] = {}

    def add(path: str) -> None:
        found.setdefault(os.path.realpath(path), path)

    def add_tree(directory: str) -> None:
        for root, _dirs, files in os.walk(directory):
            for name in files:
                if name.endswith(ENCRYPTED_SUFFIX):
                    add(os.path.join(root, name))

    for pattern in paths:
        if any(char in pattern for char in "*?["):
            for match in sorted(glob.glob(pattern, recursive=True)):
                if os.path.isdir(match):
                    add_tree(match)
                elif os.path.isfile(match):
                    add(match)
        elif os.path.isdir(pattern):
            add_tree(pattern)
        elif os.path.isfile(pattern):
            add(pattern)
        else:
            raise FernetDotenvError(f"Cannot rotate {pattern}: no such file or directory")
    if not found:
        raise FernetDotenvError(f"Cannot rotate: {', '.join(paths) or 'paths'} matched no encrypted file")
    return sorted(found.values())


def default_audit_file(files: list[str]) -> str:
    directories = [os.path.dirname(os.path.abspath(path)) for path in files]
    return os.path.join(os.path.commonpath(directories), AUDIT_NAME)


@dataclass
class RotationStatus:
    """What the trail says about rotations: the baseline, when the next one is due, and anything unfinished."""

    last_rotation: dict | None
    next_rotation_due: str | None
    days_until_due: int | None
    overdue: bool
    interrupted: bool
    audit_intact: bool
    problem: str | None
    history: list[dict] = field(default_factory=list)
    open_rotations: list[dict] = field(default_factory=list)  # started, never completed or failed; oldest first
    completed_rotations: int = 0  # "completed" rotation records, trusted or not: to notice one that ends meanwhile
    unreadable: str | None = None
    forged: str | None = None
    unverified: int = 0

    @property
    def due(self) -> bool:
        return self.overdue or self.interrupted


def check_interval(days: int) -> None:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_INTERVAL_DAYS:
        raise FernetDotenvError(
            f"rotation_interval_days must be a whole number of days from 0 to {MAX_INTERVAL_DAYS}, not {days!r}"
        )


def rotation_status(
    trail: AuditTrail, *, interval_days: int = 90, history: int = 10, now: datetime.datetime | None = None,
    keys: KeyRing | None = None,
) -> RotationStatus:
    """Due = the last completed rotation (or key generation) + interval_days; 0 days means due at once.
    Open = a rotation with an "initiated" (or "in_progress") record and neither "completed" nor "failed" under
    its id; any completed rotation closes every rotation opened before it. With keys, only records whose MAC
    verifies (or that predate signed records) count: a forged "completed" cannot move the due date."""
    check_interval(interval_days)
    now = now or utc_now()
    check = trail.check(keys)
    baseline = None
    open_ids: dict[str, dict] = {}
    for record in check.records:
        event, status = record["event"], record.get("status")
        if status == "completed" and event in ("rotation", "key_generated"):
            baseline = record
            open_ids.clear()
        if event == "rotation" and status in ("initiated", "in_progress"):
            open_ids.setdefault(record["id"], record)
        elif event == "rotation" and status in ("completed", "failed"):
            open_ids.pop(record["id"], None)
    if baseline is None:
        due_at, days, overdue = None, None, True
    else:
        due_at = parse_rfc3339(baseline["time"]) + datetime.timedelta(days=interval_days)
        days = math.floor((due_at - now) / DAY)
        overdue = now >= due_at
    return RotationStatus(
        last_rotation=baseline,
        next_rotation_due=rfc3339(due_at) if due_at else None,
        days_until_due=days,
        overdue=overdue,
        interrupted=bool(open_ids),
        audit_intact=check.intact,
        problem=check.problem,
        history=check.records[-history:] if history > 0 else [],
        open_rotations=list(open_ids.values()),
        completed_rotations=sum(1 for record in check.readable
                                if record["event"] == "rotation" and record.get("status") == "completed"),
        unreadable=check.unreadable,
        forged=check.forged,
        unverified=check.unverified,
    )


@dataclass
class _Item:
    """One file of a rotation. sealed (its new bytes) and digest (SHA-256 of its plaintext) exist in the process
    that opened it, from step 3 until its temp is written and verified."""

    path: str
    real: str
    done: bool = False  # already under the new key: an earlier run of this rotation got this far
    kid: str | None = None  # the key that wrote it before
    mode: int = 0o600
    owner: tuple[int, int] | None = None  # uid and gid
    sealed: bytes | None = field(default=None, repr=False)
    digest: bytes | None = field(default=None, repr=False)
    temp: str | None = None
    sha256: str | None = None  # of the temp, as read back and verified
    backup: str | None = None


def _open_item(item: _Item, ring: KeyRing, new_key: Key) -> None:
    info = EncryptedEnv.parse(read_bytes(item.path, what="encrypted file"), path=item.path)
    if info.written_by(new_key):
        item.done = True
        return
    opened = info.decrypt(ring)
    item.kid = opened.kid
    found = os.stat(item.real)
    item.mode, item.owner = stat.S_IMODE(found.st_mode), (found.st_uid, found.st_gid)
    item.digest = hashlib.sha256(opened.plaintext).digest()
    item.sealed = reencrypt(opened, KeyRing([new_key]))


def _write_item(item: _Item, new_key: Key, syncer: Syncer) -> None:
    try:
        item.temp = write_temp_beside(item.real, item.sealed or b"", mode=item.mode, tag=TEMP_TAG, syncer=syncer)
        item.sealed = None
        if item.owner and item.owner != (os.geteuid(), os.getegid()):
            _keep_owner(item.temp, item.owner)
        written = read_bytes(item.temp)
        check = decrypt(written, KeyRing([new_key]), path=item.temp)
        if hashlib.sha256(check.plaintext).digest() != item.digest:
            raise FernetDotenvError(f"Verification of {item.path} failed: the re-encrypted file differs")
        item.sha256 = hashlib.sha256(written).hexdigest()
    except BaseException:
        if item.temp:
            discard(item.temp)
            item.temp = None
        raise


def _failure(item: _Item, exc: Exception) -> str:
    """One sentence for an operator; an unexpected error is named by its type only (its text could quote data)."""
    if isinstance(exc, FernetDotenvError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"Cannot rotate {item.path}: {exc.strerror}"
    return f"Cannot rotate {item.path}: unexpected {type(exc).__name__}"


class _Serial:
    """Steps 3 and 6 in this process."""

    def __init__(self, items: list[_Item], ring: KeyRing, new_key: Key) -> None:
        self.items, self.ring, self.new_key = items, ring, new_key

    def open(self) -> None:
        for item in self.items:
            try:
                _open_item(item, self.ring, self.new_key)
            except Exception as exc:
                raise FernetDotenvError(_failure(item, exc)) from None

    def write(self) -> None:
        syncer = Syncer()
        try:
            for item in self.items:
                if not item.done:
                    try:
                        _write_item(item, self.new_key, syncer)
                    except Exception as exc:
                        raise FernetDotenvError(_failure(item, exc)) from None
            syncer.wait()
        finally:
            syncer.close()

    def close(self) -> None:
        pass


class _Workers:
    """Steps 3 and 6 in forked worker processes, each owning every count-th item through both steps.

    A worker reports each phase as one JSON line on its result pipe (kids and temp names, never data) and waits on
    its command pipe between them: "g" goes on, end of file stops it - also when the parent is killed, since
    only the parent holds the writing end. A worker whose parent is gone stops before its next file."""

    def __init__(self, items: list[_Item], ring: KeyRing, new_key: Key, count: int) -> None:
        self.items, self.ring, self.new_key, self.count = items, ring, new_key, count
        self.children: list[tuple[int, int, int]] = []  # pid, command fd, result fd

    def open(self) -> None:
        parent = os.getpid()
        for share in range(self.count):
            try:
                command_r, command_w = os.pipe()
                result_r, result_w = os.pipe()
                pid = os.fork()
            except OSError as exc:
                raise FernetDotenvError(f"Cannot start the rotation's worker processes: {exc.strerror}") from None
            if pid == 0:
                code = 0
                try:
                    os.close(command_w)
                    os.close(result_r)
                    for _pid, other_command, other_result in self.children:
                        os.close(other_command)
                        os.close(other_result)
                    self._serve(list(range(share, len(self.items), self.count)), command_r, result_w, parent)
                except BaseException:
                    code = 1
                finally:
                    os._exit(code)
            os.close(command_r)
            os.close(result_w)
            self.children.append((pid, command_w, result_r))
        self._collect(_note_opened)

    def write(self) -> None:
        for _pid, command, _result in self.children:
            write_all(command, b"g")
        self._collect(_note_written)

    def close(self) -> None:
        for pid, command, result in self.children:
            os.close(command)
            os.close(result)
            os.waitpid(pid, 0)
        self.children = []

    def _collect(self, apply) -> None:
        """Read one report from every worker, apply it, then raise the failure of the first failed item."""
        errors = []
        for _pid, _command, result in self.children:
            report = _receive(result)
            if report is None:
                errors.append((len(self.items), "Cannot rotate: a worker process ended unexpectedly"))
                continue
            for key, value in report.items():
                if key == "error":
                    errors.append(tuple(value))
                else:
                    apply(self.items[int(key)], value)
        if errors:
            raise FernetDotenvError(min(errors)[1])

    def _serve(self, share: list[int], command: int, result: int, parent: int) -> None:
        report: dict = {}
        for index in share:
            item = self.items[index]
            try:
                _open_item(item, self.ring, self.new_key)
            except Exception as exc:
                report["error"] = [index, _failure(item, exc)]
                break
            report[str(index)] = [item.done, item.kid]
        write_all(result, json.dumps(report).encode("utf-8") + b"\n")
        if "error" in report or os.read(command, 1) != b"g":
            return
        report = {}
        syncer = Syncer()
        try:
            for index in share:
                item = self.items[index]
                if item.done:
                    continue
                if os.getppid() != parent:
                    return
                try:
                    _write_item(item, self.new_key, syncer)
                except Exception as exc:
                    report["error"] = [index, _failure(item, exc)]
                    break
                report[str(index)] = [item.temp, item.sha256]
            try:
                syncer.wait()
            except FernetDotenvError as exc:
                report["error"] = [min(share), str(exc)]
        finally:
            syncer.close()
        write_all(result, json.dumps(report).encode("utf-8") + b"\n")


def _note_opened(item: _Item, report: list) -> None:
    item.done, item.kid = report


def _note_written(item: _Item, report: list) -> None:
    item.temp, item.sha256 = report


def _receive(fd: int) -> dict | None:
    """One JSON line from a worker, or None when it ended without one."""
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return json.loads(b"".join(chunks))


def _worker_count(files: int) -> int:
    if sys.platform == "darwin":
        return 1  # fork() without exec is unsafe once macOS system frameworks are loaded
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, files // FILES_PER_WORKER))


@dataclass
class Rotation:
    """One rotation request; run() does it under the locks and returns what happened."""

    paths: list[str]
    ring: KeyRing
    new_key: Key | None = None
    new_key_file: str | None = None
    keep_old_key: bool = False
    backup: bool = True
    backup_dir: str | None = None
    reason: str | None = None
    audit_file: str | None = None
    interval_days: int = 90
    only_if_due: bool = False
    lock_timeout: float = 60.0
    actor: dict = field(default_factory=dict)
    check_mode: bool = False
    now: datetime.datetime | None = None  # the clock, for tests of the schedule
    workers: int | None = None  # worker processes for steps 3 and 6; None: one per core when there are enough files

    def run(self) -> dict:
        started = time.monotonic()
        check_interval(self.interval_days)
        if self.new_key is None and not self.new_key_file:
            raise FernetDotenvError(
                "Refusing to rotate: a generated key would exist nowhere; give new_key_file (or new_key)"
            )
        files = expand_paths(self.paths)
        audit_file = self.audit_file or default_audit_file(files)
        trail = AuditTrail(audit_file)
        key_file = KeyFile(self.new_key_file) if self.new_key_file else None
        result: dict = dict(changed=False, skipped=False, audit_file=audit_file, files=[], backups=[],
                            old_key_fingerprint=self.ring.primary.fingerprint, new_key_fingerprint=None,
                            audit_id=None, next_rotation_due=None, resumed=False)
        status = self._status(trail, key_file)
        result["next_rotation_due"] = status.next_rotation_due
        if self.check_mode:
            # nothing is written in check mode, not even a lock
            return self._dry_run(files, key_file=key_file, status=status, result=result, started=started)
        directories = sorted({os.path.dirname(os.path.realpath(path)) for path in files})
        if key_file:
            directories = sorted({*directories, os.path.dirname(os.path.realpath(key_file.path))})
        with Locks(files=[f"{audit_file}.lock"], directories=directories, timeout=self.lock_timeout):
            latest = self._status(trail, key_file)
            if latest.completed_rotations > status.completed_rotations:
                raise FernetDotenvError(
                    f"Another rotation completed while this one waited for the lock {audit_file}.lock; nothing was "
                    "done: run again with the current key ring"
                )
            result["next_rotation_due"] = latest.next_rotation_due
            if self.only_if_due and not latest.due:
                result.update(skipped=True, duration_seconds=round(time.monotonic() - started, 3))
                return result
            _remove_stale_temps(directories)
            try:
                self._rotate(files, trail=trail, key_file=key_file, status=latest, result=result, started=started)
            except FernetDotenvError:
                # a worker that died took the names of its temps with it; every worker is gone by now
                _remove_stale_temps(directories)
                raise
        return result

    def _status(self, trail: AuditTrail, key_file: KeyFile | None) -> RotationStatus:
        """The trail's status, every record's MAC checked with the keys at hand; a trail with a record that cannot
        be read, or that was edited or appended without a key, is refused."""
        try:
            keys = self._keys(key_file)
        except FernetDotenvError:
            keys = self.ring  # the unreadable key file is reported, and recorded, when the files are opened
        status = rotation_status(trail, interval_days=self.interval_days, now=self.now, keys=keys)
        problem = status.unreadable or status.forged
        if problem:
            raise FernetDotenvError(f"Refusing to rotate: the audit trail {problem}")
        return status

    def _keys(self, key_file: KeyFile | None) -> KeyRing:
        """Every key this rotation may open a file with: the job's ring, new_key_file, the archive, new_key."""
        return KeyRing.union(self.ring, key_file.read() if key_file else None,
                             key_file.read_archive() if key_file else None,
                             KeyRing([self.new_key]) if self.new_key else None)

    def _choose_key(self, keys: KeyRing, status: RotationStatus) -> tuple[Key | None, dict | None]:
        """The new key, and the interrupted rotation it finishes: the newest open rotation whose key is at hand
        is finished with that key unless new_key names another one."""
        for record in reversed(status.open_rotations):
            interrupted_key = keys.find_fingerprint(record.get("new_key_fingerprint") or "")
            if interrupted_key is not None and self.new_key in (None, interrupted_key):
                return interrupted_key, record
        return self.new_key, None

    def _dry_run(self, files: list[str], *, key_file: KeyFile | None, status: RotationStatus, result: dict,
                 started: float) -> dict:
        if self.only_if_due and not status.due:
            result.update(skipped=True, duration_seconds=round(time.monotonic() - started, 3))
            return result
        keys = self._keys(key_file)
        new_key, resumed = self._choose_key(keys, status)
        items = [_Item(path=path, real=os.path.realpath(path)) for path in files]
        _Serial(items, keys, new_key or Key.generate()).open()
        plans = [item for item in items if not item.done]
        result.update(
            changed=bool(plans) or resumed is not None, files=[dict(path=item.path) for item in plans],
            new_key_fingerprint=new_key.fingerprint if new_key else None, resumed=resumed is not None,
            duration_seconds=round(time.monotonic() - started, 3),
        )
        return result

    def _rotate(self, files: list[str], *, trail: AuditTrail, key_file: KeyFile | None, status: RotationStatus,
                result: dict, started: float) -> None:
        items = [_Item(path=path, real=os.path.realpath(path)) for path in files]
        stamp = dict(time=rfc3339(self.now)) if self.now else {}
        failed = dict(event="rotation", status="failed", reason=self.reason, actor=self.actor,
                      old_key_fingerprint=self.ring.primary.fingerprint, **stamp)
        engine: _Serial | _Workers | None = None
        try:
            try:
                keys = self._keys(key_file)
                new_key, resumed = self._choose_key(keys, status)
                new_key = new_key or Key.generate()
                count = self.workers or _worker_count(len(items))
                engine = _Workers(items, keys, new_key, count) if count > 1 else _Serial(items, keys, new_key)
                engine.open()
            except FernetDotenvError as exc:
                # nothing was started, but the attempt is on record
                trail.append(dict(failed, error=str(exc)), key=self.ring.primary)
                raise FernetDotenvError(f"Rotation failed and was rolled back (no file was changed): {exc}") from None
            plans = [item for item in items if not item.done]
            rotation_id = resumed["id"] if resumed else uuid.uuid4().hex
            base = dict(id=rotation_id, event="rotation", old_key_fingerprint=self.ring.primary.fingerprint,
                        new_key_fingerprint=new_key.fingerprint, reason=self.reason, actor=self.actor)
            result.update(new_key_fingerprint=new_key.fingerprint, resumed=resumed is not None,
                          files=[dict(path=item.path) for item in plans])
            if not plans and resumed is None:
                result["duration_seconds"] = round(time.monotonic() - started, 3)
                return
            result.update(changed=True, audit_id=rotation_id)
            try:
                trail.append(dict(base, status="in_progress" if resumed else "initiated",
                                  files=[dict(path=item.path) for item in plans], **stamp), key=self.ring.primary)
            except FernetDotenvError as exc:
                # the line may be on disk even though the write failed: try to close it (the trail may refuse)
                _try_append(trail, dict(base, status="failed", error=str(exc), **stamp), key=self.ring.primary)
                raise FernetDotenvError(f"Rotation failed and was rolled back (no file was changed): {exc}") from None
            self._replace(plans, engine=engine, keys=keys, new_key=new_key, key_file=key_file, trail=trail,
                          record=dict(base, **stamp), started=started)
        finally:
            if engine is not None:
                engine.close()
        due = rfc3339((self.now or utc_now()) + datetime.timedelta(days=self.interval_days))
        done = [dict(path=item.path, sha256=item.sha256, old_kid=item.kid) for item in plans]
        backups = [item.backup for item in plans if item.backup]
        duration = round(time.monotonic() - started, 3)
        closes = [record["id"] for record in status.open_rotations if record["id"] != rotation_id]
        trail.append(dict(base, status="completed", files=done, backups=backups, verified=True, **stamp,
                          duration_seconds=duration, next_rotation_due=due, **(dict(closes=closes) if closes else {})),
                     key=self.ring.primary, cosign=new_key)
        if key_file and not self.keep_old_key:
            retired = key_file.contract([new_key], now=self.now)
            result["retired_key_fingerprints"] = [key.fingerprint for key in retired]
        result.update(files=done, backups=backups, next_rotation_due=due, duration_seconds=duration)

    def _replace(self, plans: list[_Item], *, engine: _Serial | _Workers, keys: KeyRing, new_key: Key,
                 key_file: KeyFile | None, trail: AuditTrail, record: dict, started: float) -> None:
        """Steps 5 to 7; any failure removes this run's temps, records "failed" and says how far it got."""
        replaced = 0
        try:
            if key_file:
                needed = [keys.find(item.kid) for item in plans if item.kid]
                key_file.expand(new_key, keep=tuple(key for key in [*needed, *self.ring.keys] if key))
            engine.write()
            if self.backup:
                for item in plans:
                    item.backup = make_backup(item.path, backup_dir=self.backup_dir)
            for item in plans:
                os.replace(item.temp, item.real)
                replaced += 1
            # one directory fsync per directory makes every rename durable before "completed" is recorded
            for directory in sorted({os.path.dirname(item.real) for item in plans}):
                fsync_dir(directory)
        except (FernetDotenvError, OSError) as exc:
            # what was not renamed into place is this run's alone: its temps, and backups of unchanged files
            for item in plans[replaced:]:
                for leftover in (item.temp, item.backup):
                    if leftover:
                        discard(leftover)
                item.backup = None
            reason = str(exc) if isinstance(exc, FernetDotenvError) else f"{exc.strerror}: {exc.filename}"
            trail.append(dict(record, status="failed", error=reason, replaced=replaced,
                              duration_seconds=round(time.monotonic() - started, 3)), key=self.ring.primary)
            if not replaced:
                raise FernetDotenvError(f"Rotation failed and was rolled back (no file was changed): {reason}") from None
            raise FernetDotenvError(
                f"Rotation failed after {replaced} of {len(plans)} files were replaced (every file decrypts with the "
                f"ring in {key_file.path if key_file else 'the new key and the old ring'}; run the rotation again "
                f"to finish it): {reason}"
            ) from None


_BACKUP_NAME = re.compile(r".+\.encrypted\.[0-9]{8}T[0-9]{6}Z(?:-[0-9]+)?\.bak")
UNKNOWN_KID = "unknown"


@dataclass
class KeyCoverage:
    """Which keys the files and backups under some paths were written by, and which of those no key at hand has."""

    keys_needed: list[str]
    keys_missing: list[str]
    files_missing_key: list[str]
    files: int
    backups: int


def key_coverage(paths: list[str], *, keys: KeyRing | None, trail: AuditTrail | None = None) -> KeyCoverage:
    """Scan the encrypted files under paths and their backups - beside them (<file>.<UTC stamp>.bak), below the
    directories given, and wherever a completed rotation in the trail put them - for the kid of the key that wrote
    each. A bare Fernet token names no key: the key at hand that authenticates it gives its kid, and one that no
    key authenticates counts as the kid "unknown". A backup that is not an encrypted file is not counted."""
    files = expand_paths(paths)
    directories = sorted({os.path.dirname(path) or "." for path in files})
    listings = [(directory, os.listdir(directory)) for directory in directories]
    for tree in (path for path in paths if os.path.isdir(path)):
        listings += [(root, names) for root, _dirs, names in os.walk(tree)]
    backups = {os.path.join(root, name) for root, names in listings for name in names if _BACKUP_NAME.fullmatch(name)}
    for record in (trail.check().records if trail else []):
        if record["event"] == "rotation" and record.get("status") == "completed":
            backups.update(path for path in record.get("backups") or [] if isinstance(path, str) and os.path.isfile(path))
    found: dict[str, str] = {}
    for path in files:
        found[path] = _kid_of(EncryptedEnv.parse(read_bytes(path, what="encrypted file"), path=path), keys)
    counted_backups = 0
    for path in sorted(backups):
        try:
            found[path] = _kid_of(EncryptedEnv.parse(read_bytes(path, what="backup"), path=path), keys)
        except FernetDotenvError:
            continue
        counted_backups += 1
    missing = {kid for kid in found.values() if kid == UNKNOWN_KID or keys is None or keys.find(kid) is None}
    return KeyCoverage(
        keys_needed=sorted(set(found.values())),
        keys_missing=sorted(missing),
        files_missing_key=sorted(path for path, kid in found.items() if kid in missing),
        files=len(files),
        backups=counted_backups,
    )


def _kid_of(info: EncryptedEnv, keys: KeyRing | None) -> str:
    if info.kid:
        return info.kid
    for key in keys.keys if keys else ():
        if info.written_by(key):
            return key.kid
    return UNKNOWN_KID


def _try_append(trail: AuditTrail, record: dict, *, key: Key) -> None:
    try:
        trail.append(record, key=key)
    except FernetDotenvError:
        pass


def _remove_stale_temps(directories: list[str]) -> None:
    """Temps a killed rotation (or key file write) left in these directories. The caller holds their locks and
    every rotation writes temps only in directories it holds locked, so none of these has a live writer."""
    for directory in directories:
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for entry in entries:
            if _STALE_TEMP.fullmatch(entry):
                discard(os.path.join(directory, entry))


def _keep_owner(temp: str, owner: tuple[int, int]) -> None:
    """Give the temp the owner of the file it replaces (where this process may; else it stays ours)."""
    try:
        os.chown(temp, *owner)
    except OSError:
        pass
