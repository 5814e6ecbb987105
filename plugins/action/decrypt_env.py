# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action for fernet.dotenv.decrypt_env: like copy with vault files, src is decrypted on the controller and only
the plaintext goes to the target, which then needs neither the key nor cryptography."""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import read_bytes
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt
from ansible_collections.fernet.dotenv.plugins.modules.decrypt_env import MODULE_SPEC
from ansible_collections.fernet.dotenv.plugins.plugin_utils._action import KeyedAction, with_rings


class ActionModule(KeyedAction):
    MODULE_SPEC = MODULE_SPEC
    SELECTED_RING_REQUIRED = False

    def module_args(self, args: dict, params: dict, task_vars: dict, result: dict) -> dict:
        if params["src"] is None:
            # plaintext given as content: nothing to decrypt, so no key goes anywhere
            return with_rings(args, None)
        if params["remote_src"]:
            return super().module_args(args, params, task_vars, result)
        try:
            src = self._find_needle("files", to_text(params["src"]))
        except AnsibleError:
            raise FernetDotenvError(
                f"Cannot read {params['src']}: no such file on the controller (searched the files/ directories of "
                "the role and playbook too); set remote_src=true if it is on the target"
            ) from None
        # the file's kid picks the ring, and a key command is told that kid
        opened = decrypt(read_bytes(src, what="encrypted file"), self.rings(args, task_vars), path=src)
        result.update(src=src, key_fingerprint=opened.key_fingerprint)
        args = with_rings(args, None)
        for name in ("src", "remote_src"):
            args.pop(name, None)
        args["content"] = opened.text
        return args
