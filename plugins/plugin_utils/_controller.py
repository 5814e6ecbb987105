# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Controller helpers for the lookup and the vars plugin: the key ring from plugin options, and a per-process
cache of decrypted files keyed by what identifies the file and the ring - never by plaintext."""

from __future__ import annotations

import os
from collections import OrderedDict

from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import read_bytes
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRing, resolve_key_ring

display = Display()

_CACHE_SIZE = 128
_CACHE: OrderedDict[tuple, dict[str, str | None]] = OrderedDict()


def _rank(option: str, origin: str) -> int:
    # DESIGN order: the option, then the key file option; a value given to the task beats one from a variable,
    # which beats one from the environment or ansible.cfg
    where = 0 if origin == "Direct" else 2 if str(origin).startswith("var") else 4
    return where + (0 if option == "master_key" else 1)


def ring_from_options(plugin) -> KeyRing:
    """The ring from the plugin's master_key / master_key_file options, else from SECRETS_MASTER_KEY(_FILE)."""
    found = []
    for option in ("master_key", "master_key_file"):
        try:
            value, origin = plugin.get_option_and_origin(option)
        except KeyError:
            continue
        if value and str(origin).startswith("var") and getattr(plugin, "_templar", None) is not None:
            # values taken from variables reach plugins untemplated
            value = plugin._templar.template(value)
        if value:
            found.append((_rank(option, origin), option, value))
    if not found:
        return resolve_key_ring(environ=os.environ)
    _rank_value, option, value = min(found)
    if option == "master_key":
        return resolve_key_ring(master_key=value, environ={})
    path = os.path.expanduser(str(value))
    loader = getattr(plugin, "_loader", None)
    if not os.path.isabs(path) and loader is not None:
        path = loader.path_dwim(path)
    return resolve_key_ring(master_key_file=path, environ={})


def load_values(path: str, ring: KeyRing) -> dict[str, str | None]:
    """The variables of an encrypted file, decrypted once per process for a given file state and ring. Values are
    data, never templates: they are marked unsafe, so that no ansible-core version renders a value such as
    {{ lookup('pipe', ...) }} (2.18 would, when the vars plugin's variable is used)."""
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError:
        read_bytes(path, what="encrypted file")  # raises the one-sentence error
        raise
    key = (real, info.st_mtime_ns, info.st_size, info.st_ino, tuple(ring.fingerprints))
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    values = wrap_var(decrypt(read_bytes(path, what="encrypted file"), ring, path=path).as_dict())
    display.vvvv(f"fernet.dotenv: decrypted {path} ({len(values)} variables) in process {os.getpid()}")
    _CACHE[key] = values
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return values
