# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action for fernet.dotenv.decrypt_env: like copy with vault files, src is decrypted on the controller and only
the plaintext goes to the target, which then needs neither the key nor cryptography."""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import read_bytes
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt
from ansible_collections.fernet.dotenv.plugins.plugin_utils._action import KeyedAction


class ActionModule(KeyedAction):
    def module_args(self, args: dict, task_vars: dict, result: dict) -> dict:
        if args.get("src") is not None and args.get("content") is not None:
            # the module would say so too, but only after this plugin had replaced content with src's plaintext
            raise FernetDotenvError("parameters are mutually exclusive: src|content")
        if args.get("src") is None:
            # plaintext given as content: nothing to decrypt, so no key goes anywhere
            args.pop("master_key", None)
            args.pop("master_key_file", None)
            return args
        if boolean(args.get("remote_src", False), strict=False):
            return super().module_args(args, task_vars, result)
        ring = self.controller_ring(args)
        try:
            src = self._find_needle("files", to_text(args["src"]))
        except AnsibleError:
            raise FernetDotenvError(
                f"Cannot read {args['src']}: no such file on the controller (searched the files/ directories of "
                "the role and playbook too); set remote_src=true if it is on the target"
            ) from None
        opened = decrypt(read_bytes(src, what="encrypted file"), ring, path=src)
        result.update(src=src, key_fingerprint=opened.key_fingerprint)
        for name in ("src", "master_key", "master_key_file", "remote_src"):
            args.pop(name, None)
        args["content"] = opened.text
        return args
