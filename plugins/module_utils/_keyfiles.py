# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Key files and the key archive: the only place a key is written to disk.

A key file holds a ring. It is merged, never blindly replaced: expand() puts a new key first and keeps every key
the file held; contract() leaves only the chosen keys in it, after appending every other one to the archive. The
archive, <key file>.retired, is append-only and 0600, one key per line with a comment naming its kid and the UTC
time it was retired::

    <key>  # kid 3f2a9c0d1e4b5a67 retired 2026-11-28T14:03:11Z

Backups stay encrypted with old keys: the archive is what keeps them readable. Any key option that takes a key
file also takes the archive (comments are allowed in ring text). Deleting it is the user's decision - delete the
backups that need its keys first.
"""

from __future__ import annotations

import datetime
import os

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError, KeyNotFoundError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import (
    SECRET_MODE,
    append_durably,
    atomic_write,
    read_bytes,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing, ring_parts

ARCHIVE_SUFFIX = ".retired"
# temps of key file writes carry this tag, so that a run holding the directory's lock can remove a killed run's
KEY_TEMP_TAG = "keyring-"


def _utc(moment: datetime.datetime | None) -> str:
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class KeyFile:
    """A key file and its archive. Writes go to the file the path resolves to (a symlinked, mounted secret stays a
    symlink); the archive sits beside the path as given."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.archive = f"{path}{ARCHIVE_SUFFIX}"

    def read(self) -> KeyRing | None:
        """The ring in the file, or None when there is no file yet (a file without a key is an error)."""
        if not os.path.exists(self.path):
            return None
        return KeyRing.from_file(self.path, what="the key file")

    def read_archive(self) -> KeyRing | None:
        """The keys in the archive, or None when it does not exist or is empty. A symlink there is refused before
        anything is written: the archive is appended to in place, never through a link."""
        if os.path.islink(self.archive):
            raise FernetDotenvError(f"Cannot use the key archive {self.archive}: it is a symlink")
        if not os.path.exists(self.archive):
            return None
        try:
            return KeyRing.from_file(self.archive, what="the key archive")
        except KeyNotFoundError:
            if os.path.isfile(self.archive) and not ring_parts(read_bytes(self.archive).decode("utf-8", "replace")):
                return None
            raise

    def expand(self, new: Key, *, keep: tuple[Key, ...] = ()) -> KeyRing:
        """Write the ring new, <every key the file holds>, <keep...> and return it (nothing is written when the
        file already holds exactly that ring)."""
        current = self.read()
        ring = KeyRing.union(KeyRing([new]), current, KeyRing(list(keep)) if keep else None)
        if current is None or current.keys != ring.keys:
            self._write(ring)
        return ring

    def contract(self, keep: list[Key], *, now: datetime.datetime | None = None) -> list[Key]:
        """Leave only keep in the file; every other key it held is appended to the archive first. Returns those."""
        current = self.read()
        retired = [key for key in (current.keys if current else ()) if key not in keep]
        self.retire(retired, now=now)
        if current is None or list(current.keys) != keep:
            self._write(KeyRing(keep))
        return retired

    def retire(self, keys: list[Key], *, now: datetime.datetime | None = None) -> None:
        """Append to the archive (durably) every key of keys it does not hold yet."""
        archived = self.read_archive()
        missing = [key for key in keys if archived is None or key not in archived.keys]
        if missing:
            when = _utc(now)
            lines = "".join(f"{key.to_text()}  # kid {key.kid} retired {when}\n" for key in missing)
            append_durably(self.archive, lines.encode("ascii"), mode=SECRET_MODE)

    def _write(self, ring: KeyRing) -> None:
        atomic_write(os.path.realpath(self.path), ring.to_text().encode("ascii"), mode=SECRET_MODE, tag=KEY_TEMP_TAG)
