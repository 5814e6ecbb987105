# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fingerprint filter (docs in fingerprint.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRing, ring_parts


def fingerprint(value):
    """A key's fingerprint; a ring's (or a list of keys') fingerprints, primary first."""
    if isinstance(value, (list, tuple)):
        text, many = ",".join(str(item) for item in value), True
    elif isinstance(value, str):
        # a ring is any text of more than one key, even if they repeat ('#' comments aside, as in a key archive)
        text, many = value, len(ring_parts(value)) > 1
    else:
        raise AnsibleFilterError(f"fingerprint: expected a key, a ring or a list of keys, not {type(value).__name__}")
    try:
        ring = KeyRing.from_text(text, source="the value given to the fingerprint filter")
    except FernetDotenvError as exc:
        raise AnsibleFilterError(f"fingerprint: {exc}") from None
    if many:
        return ring.fingerprints
    return ring.primary.fingerprint


class FilterModule:
    def filters(self):
        return {"fingerprint": fingerprint}
