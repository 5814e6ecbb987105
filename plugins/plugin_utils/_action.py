# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Controller side of every keyed module: resolve the key ring where AWX injects it, then run the module.

AWX and Automation Controller inject SECRETS_MASTER_KEY into the environment of ansible-playbook on the controller,
not into the targets. So the ring is resolved here, in the controller process, and handed to the module as its
no_log master_key argument; master_key_file names a controller file and is never sent.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRing, resolve_key_ring


class KeyedAction(ActionBase):
    """Resolve the ring on the controller, let a subclass adapt the arguments, run the module of the same name."""

    TRANSFERS_FILES = False
    _requires_connection = True

    def controller_ring(self, args: dict) -> KeyRing:
        key_file = args.get("master_key_file")
        if key_file:
            key_file = self._loader.path_dwim(os.path.expanduser(str(key_file)))
        return resolve_key_ring(master_key=args.get("master_key"), master_key_file=key_file, environ=os.environ)

    def module_args(self, args: dict, task_vars: dict, result: dict) -> dict:
        """The arguments for the module; by default the ring replaces the key options."""
        ring = self.controller_ring(args)
        args.pop("master_key_file", None)
        args["master_key"] = ring.to_text().strip()
        return args

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        try:
            module_args = self.module_args(args, task_vars or {}, result)
        except (FernetDotenvError, AnsibleError) as exc:
            result.update(failed=True, msg=str(exc))
            return result
        result.update(
            self._execute_module(
                module_name=self._task.resolved_action or self._task.action,
                module_args=module_args,
                task_vars=task_vars,
            )
        )
        return result
