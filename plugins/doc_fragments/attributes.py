# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Private to the collection: the attributes every fernet.dotenv module shares.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return a changed status prediction without modifying the target.
    support: full
  diff_mode:
    description: Returns details on what changed (or would change) in diff mode - variable names, never a value.
    support: full
  safe_file_operations:
    description: Writes through a temp file beside the target, fsync and rename, so a reader never sees a partial file.
    support: full
  idempotent:
    description: A second run with the same arguments reports no change.
    support: full
"""
