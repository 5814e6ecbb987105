# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sensitive test (docs in sensitive.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.fernet.dotenv.plugins.module_utils._masking import is_sensitive


def sensitive(name, sensitive_keys=(), patterns=()):
    if not isinstance(name, str):
        raise AnsibleFilterError(f"sensitive: expected a variable name, not {type(name).__name__}")
    return is_sensitive(name, sensitive_keys=sensitive_keys or (), patterns=patterns or ())


class TestModule:
    def tests(self):
        return {"sensitive": sensitive}
