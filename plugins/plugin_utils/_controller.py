# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Controller helper for the lookup and the vars plugin: a per-process cache of decrypted files keyed by what
identifies the file and the ring that opens it - never by plaintext."""

from __future__ import annotations

import os
from collections import OrderedDict

from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import read_bytes
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRings

display = Display()

_CACHE_SIZE = 128
# (real path, mtime, size, inode) -> (kid, fingerprints of the ring that opened it, document, values)
_CACHE: OrderedDict[tuple, tuple] = OrderedDict()


def load_values(path: str, rings: KeyRings) -> dict[str, str | None]:
    """The variables of an encrypted file, decrypted once per process for a given file state and the ring that
    holds its kid. Values are data, never templates: they are marked unsafe, so that no ansible-core version renders
    a value such as {{ lookup('pipe', ...) }} (2.18 would, when the vars plugin's variable is used)."""
    return _load(path, rings)[1]


def load_document(path: str, rings: KeyRings) -> EnvDocument:
    """The parsed document of an encrypted file, from the same cache (for interpolation, which needs every binding
    in file order)."""
    return _load(path, rings)[0]


def _load(path: str, rings: KeyRings) -> tuple[EnvDocument, dict[str, str | None]]:
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError:
        read_bytes(path, what="encrypted file")  # raises the one-sentence error
        raise
    key = (real, info.st_mtime_ns, info.st_size, info.st_ino)
    cached = _CACHE.get(key)
    if cached is not None:
        kid, fingerprints, document, values = cached
        if tuple(rings.for_opening(kid).fingerprints) == fingerprints:
            _CACHE.move_to_end(key)
            return document, values
    encrypted = EncryptedEnv.parse(read_bytes(path, what="encrypted file"), path=path)
    ring = rings.for_opening(encrypted.kid)
    document = encrypted.decrypt(ring).document
    values = wrap_var(document.as_dict())
    display.vvvv(f"fernet.dotenv: decrypted {path} ({len(values)} variables) in process {os.getpid()}")
    _CACHE[key] = (encrypted.kid, tuple(ring.fingerprints), document, values)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return document, values
