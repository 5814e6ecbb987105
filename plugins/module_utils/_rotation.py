# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Safe key rotation and the rotation status read from the audit trail.

The order of a rotation is what makes it safe (a crash at any instant leaves every file readable):

1. lock beside the audit trail; 2. skip unless due (only_if_due); 3. record "initiated";
4. write new_key_file with the ring new,old... before any file changes;
5. decrypt every file with the current ring, re-encrypt it with the new key into a temp beside it and check that
   the temp decrypts with the new key alone to exactly the old plaintext - any failure: remove the temps, record
   "failed", change nothing;
6. back up every original, then rename every temp into place;
7. record "completed", then (unless keep_old_key) rewrite new_key_file with the new key alone.
"""

from __future__ import annotations

import datetime
import glob
import math
import os
import shutil
import stat
import time
import uuid
from dataclasses import dataclass, field

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import (
    AuditTrail,
    FileLock,
    parse_rfc3339,
    rfc3339,
    utc_now,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import (
    atomic_write,
    backup_path,
    discard,
    fsync_dir,
    read_bytes,
    sha256_file,
    write_temp_beside,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, decrypt, reencrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

AUDIT_NAME = ".fernet-dotenv-audit.jsonl"
ENCRYPTED_SUFFIX = ".encrypted"
TEMP_TAG = "rotate-"
DAY = datetime.timedelta(days=1)


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

    @property
    def due(self) -> bool:
        return self.overdue


def rotation_status(
    trail: AuditTrail, *, interval_days: int = 90, history: int = 10, now: datetime.datetime | None = None
) -> RotationStatus:
    """Due = the last completed rotation (or key generation) + interval_days; 0 days means due at once."""
    now = now or utc_now()
    check = trail.check()
    baseline = None
    open_ids: dict[str, dict] = {}
    for record in check.records:
        event, status = record.get("event"), record.get("status")
        if status == "completed" and event in ("rotation", "key_generated"):
            baseline = record
            open_ids.clear()
        if event == "rotation" and status == "initiated":
            open_ids[record.get("id")] = record
        elif event == "rotation" and status in ("completed", "failed"):
            open_ids.pop(record.get("id"), None)
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
    )


@dataclass
class Rotation:
    """One rotation request; run() does it under the lock and returns what happened."""

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

    def run(self) -> dict:
        started = time.monotonic()
        if self.new_key is None and not self.new_key_file:
            raise FernetDotenvError(
                "Refusing to rotate: a generated key would exist nowhere; give new_key_file (or new_key)"
            )
        files = expand_paths(self.paths)
        audit_file = self.audit_file or default_audit_file(files)
        trail = AuditTrail(audit_file)
        result: dict = dict(changed=False, skipped=False, audit_file=audit_file, files=[], backups=[],
                            old_key_fingerprint=self.ring.primary.fingerprint, new_key_fingerprint=None,
                            audit_id=None, next_rotation_due=None)
        status = rotation_status(trail, interval_days=self.interval_days, now=self.now)
        result["next_rotation_due"] = status.next_rotation_due
        if self.check_mode:
            # nothing is written in check mode, not even the lock file
            return self._dry_run(files, status, result, started)
        seen = len(trail.check().records)
        lock = f"{audit_file}.lock"
        with FileLock(lock, timeout=self.lock_timeout):
            records = trail.check().records
            if any(r.get("event") == "rotation" and r.get("status") == "completed" for r in records[seen:]):
                raise FernetDotenvError(
                    f"Another rotation completed while this one waited for the lock {lock}; nothing was done: "
                    "run again with the current key ring"
                )
            status = rotation_status(trail, interval_days=self.interval_days, now=self.now)
            result["next_rotation_due"] = status.next_rotation_due
            if self.only_if_due and not status.due:
                result.update(skipped=True, duration_seconds=round(time.monotonic() - started, 3))
                return result
            new_key = self.new_key or Key.generate()
            try:
                plans = self._plan(files, new_key)
            except FernetDotenvError as exc:
                # a file that is not an encrypted .env at all: nothing was started, but the attempt is on record
                trail.append(dict(event="rotation", status="failed", error=str(exc), reason=self.reason,
                                  actor=self.actor, old_key_fingerprint=self.ring.primary.fingerprint))
                raise FernetDotenvError(f"Rotation failed and was rolled back (no file was changed): {exc}") from None
            result.update(new_key_fingerprint=new_key.fingerprint, files=[dict(path=p.path) for p in plans])
            if plans:
                result["changed"] = True
                self._execute(plans, new_key, trail, result, started)
            else:
                result["duration_seconds"] = round(time.monotonic() - started, 3)
        return result

    def _dry_run(self, files: list[str], status: RotationStatus, result: dict, started: float) -> dict:
        if self.only_if_due and not status.due:
            result.update(skipped=True, duration_seconds=round(time.monotonic() - started, 3))
            return result
        probe = self.new_key or Key.generate()
        plans = self._plan(files, probe)
        for plan in plans:
            plan.info.decrypt(self.ring)  # report what would fail, without writing
        result.update(
            changed=bool(plans), files=[dict(path=plan.path) for plan in plans],
            new_key_fingerprint=self.new_key.fingerprint if self.new_key else None,
            duration_seconds=round(time.monotonic() - started, 3),
        )
        return result

    def _plan(self, files: list[str], new_key: Key) -> list[_FilePlan]:
        plans = []
        for path in files:
            data = read_bytes(path, what="encrypted file")
            info = EncryptedEnv.parse(data, path=path)
            if info.written_by(new_key):
                continue  # already under the new key: an earlier run of this rotation got this far
            plans.append(_FilePlan(path=path, info=info))
        return plans

    def _execute(self, plans: list[_FilePlan], new_key: Key, trail: AuditTrail, result: dict, started: float) -> None:
        rotation_id = uuid.uuid4().hex
        result["audit_id"] = rotation_id
        base = dict(id=rotation_id, event="rotation", old_key_fingerprint=self.ring.primary.fingerprint,
                    new_key_fingerprint=new_key.fingerprint, reason=self.reason, actor=self.actor)
        stamp = dict(time=rfc3339(self.now)) if self.now else {}
        trail.append(dict(base, status="initiated", files=[dict(path=plan.path) for plan in plans], **stamp))
        replaced = 0
        try:
            if self.new_key_file:
                atomic_write(self.new_key_file, self.ring.with_primary(new_key).to_text().encode("ascii"), mode=0o600)
            alone = KeyRing([new_key])
            _remove_stale_temps([plan.path for plan in plans])
            for plan in plans:
                self._prepare(plan, alone)
            for plan in plans:
                if self.backup:
                    plan.backup = self._backup(plan.path)
            for plan in plans:
                os.replace(plan.temp, os.path.realpath(plan.path))
                replaced += 1
            # one directory fsync per directory makes every rename durable before "completed" is recorded
            for directory in sorted({os.path.dirname(os.path.realpath(plan.path)) for plan in plans}):
                fsync_dir(directory)
        except (FernetDotenvError, OSError) as exc:
            for plan in plans[replaced:]:
                if plan.temp:
                    discard(plan.temp)
            reason = str(exc) if isinstance(exc, FernetDotenvError) else f"{exc.strerror}: {exc.filename}"
            where = "no file was changed" if not replaced else (
                f"{replaced} of {len(plans)} files were replaced; every file decrypts with the ring in "
                f"{self.new_key_file or 'the new key and the old ring'}"
            )
            trail.append(dict(base, status="failed", error=reason, replaced=replaced, **stamp,
                              duration_seconds=round(time.monotonic() - started, 3)))
            raise FernetDotenvError(f"Rotation failed and was rolled back ({where}): {reason}") from None
        due = rfc3339((self.now or utc_now()) + datetime.timedelta(days=self.interval_days))
        files = [dict(path=plan.path, sha256=sha256_file(plan.path), old_kid=plan.info.kid) for plan in plans]
        backups = [plan.backup for plan in plans if plan.backup]
        duration = round(time.monotonic() - started, 3)
        trail.append(dict(base, status="completed", files=files, backups=backups, verified=True, **stamp,
                          duration_seconds=duration, next_rotation_due=due))
        if self.new_key_file and not self.keep_old_key:
            atomic_write(self.new_key_file, KeyRing([new_key]).to_text().encode("ascii"), mode=0o600)
        result.update(files=files, backups=backups, next_rotation_due=due, duration_seconds=duration)

    def _prepare(self, plan: _FilePlan, alone: KeyRing) -> None:
        opened = plan.info.decrypt(self.ring)
        real = os.path.realpath(plan.path)
        mode = stat.S_IMODE(os.stat(real).st_mode)
        plan.temp = write_temp_beside(real, reencrypt(opened, alone), mode=mode, tag=TEMP_TAG)
        _copy_owner(real, plan.temp)
        check = decrypt(read_bytes(plan.temp), alone, path=plan.temp)
        if check.plaintext != opened.plaintext:
            raise FernetDotenvError(f"Verification of {plan.path} failed: the re-encrypted file differs")

    def _backup(self, path: str) -> str:
        target = backup_path(path, backup_dir=self.backup_dir)
        if self.backup_dir and not os.path.isdir(self.backup_dir):
            raise FernetDotenvError(f"Cannot back up {path}: the backup directory {self.backup_dir} does not exist")
        try:
            os.link(os.path.realpath(path), target)
        except OSError:
            shutil.copy2(os.path.realpath(path), target)
        return target


@dataclass
class _FilePlan:
    path: str
    info: EncryptedEnv
    temp: str | None = None
    backup: str | None = None


def _remove_stale_temps(paths: list[str]) -> None:
    """Temps a killed rotation left beside these files (rotations are serialised by the lock, so none is live).
    One directory listing per directory: rotating thousands of files must not list a directory per file."""
    by_directory: dict[str, set[str]] = {}
    for path in paths:
        directory, name = os.path.split(os.path.realpath(path))
        by_directory.setdefault(directory, set()).add(name)
    for directory, names in by_directory.items():
        for entry in os.listdir(directory):
            if entry.startswith(".") and entry.endswith(".tmp") and f".{TEMP_TAG}" in entry:
                owner = entry[1:entry.rindex(f".{TEMP_TAG}")]
                if owner in names:
                    discard(os.path.join(directory, entry))


def _copy_owner(source: str, target: str) -> None:
    info = os.stat(source)
    try:
        os.chown(target, info.st_uid, info.st_gid)
    except OSError:
        pass
