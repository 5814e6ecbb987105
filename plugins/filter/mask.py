# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mask filter (docs in mask.yml)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.fernet.dotenv.plugins.module_utils._masking import is_sensitive, mask as mask_text


def _check(visible, sensitive_keys, patterns) -> None:
    if not isinstance(visible, int) or isinstance(visible, bool) or visible < 0:
        raise AnsibleFilterError("mask: visible must be a whole number of characters, 0 or more")
    for option, value in (("sensitive_keys", sensitive_keys), ("patterns", patterns)):
        if isinstance(value, (str, bytes)) or not all(isinstance(item, str) for item in value):
            raise AnsibleFilterError(f"mask: {option} must be a list of strings")


def mask(value, key=None, visible=4, sensitive_keys=(), patterns=()):
    """A string masked whole-or-partly; in a dict (or list of dicts) only the values of sensitive names."""
    _check(visible, sensitive_keys or (), patterns or ())
    options = dict(sensitive_keys=sensitive_keys or (), patterns=patterns or ())

    def walk(item, name):
        if isinstance(item, Mapping):
            return {k: walk(v, str(k)) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(v, name) for v in item]
        if item is None or (name is not None and not is_sensitive(name, **options)):
            return item
        return mask_text(item, visible=visible)

    if isinstance(value, (Mapping, list, tuple)):
        return walk(value, None if key is None else str(key))
    if value is None:
        return None
    if key is not None and not is_sensitive(str(key), **options):
        return value
    return mask_text(value, visible=visible)


class FilterModule:
    def filters(self):
        return {"mask": mask}
