# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Controller side of every keyed module: check the task's arguments against the module's own argument spec,
resolve the rings where AWX injects them, then run the module.

AWX and Automation Controller inject SECRETS_MASTER_KEY into the environment of ansible-playbook on the controller,
not into the targets. So the rings are resolved here, in the controller process, and handed to the module as its
no_log master_key argument (a list of ring texts, the selected ring first); master_key_file and
master_key_command name controller things and are never sent.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRings
from ansible_collections.fernet.dotenv.plugins.plugin_utils._key_options import KEY_OPTIONS, key_rings

_CONSTRAINTS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


class KeyedAction(ActionBase):
    """Validate, resolve the rings on the controller, let a subclass adapt the arguments, run the module of the
    same name. MODULE_SPEC is the module's own AnsibleModule keyword arguments."""

    TRANSFERS_FILES = False
    _requires_connection = True
    MODULE_SPEC: dict = {}
    # whether the task always needs the selected ring; a module that only opens or edits an existing file can do
    # with the other configured rings, and says "not found" itself when it needs to write a new file
    SELECTED_RING_REQUIRED = True

    def validate(self, args: dict) -> dict:
        """The validated parameters, or AnsibleError with the message AnsibleModule would give on the target."""
        spec = dict(self.MODULE_SPEC["argument_spec"])
        if self.MODULE_SPEC.get("add_file_common_args"):
            spec.update(FILE_COMMON_ARGUMENTS)
        validator = ArgumentSpecValidator(
            spec, **{name: self.MODULE_SPEC[name] for name in _CONSTRAINTS if name in self.MODULE_SPEC}
        )
        validation = validator.validate(args)
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = f"Unsupported parameters for ({self._task.resolved_action or self._task.action}) module: {msg}"
            raise AnsibleError(remove_values(msg, validation._no_log_values))
        return validation.validated_parameters

    def rings(self, args: dict, task_vars: dict) -> KeyRings:
        return key_rings(args, variables=task_vars, template=self._templar.template, find_file=self._loader.path_dwim)

    def module_args(self, args: dict, params: dict, task_vars: dict, result: dict) -> dict:
        """The arguments for the module; by default every ring replaces the key options."""
        rings = self.rings(args, task_vars)
        return with_rings(args, rings.to_texts(required=self.SELECTED_RING_REQUIRED))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        try:
            params = self.validate(args)
            module_args = self.module_args(args, params, task_vars or {}, result)
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


def with_rings(args: dict, rings: list[str] | None) -> dict:
    """args without the key options, and with master_key = the ring texts when there are any."""
    args = {name: value for name, value in args.items() if name not in KEY_OPTIONS}
    if rings:
        args["master_key"] = rings
    return args
