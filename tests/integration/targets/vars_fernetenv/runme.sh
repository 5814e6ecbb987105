#!/usr/bin/env bash
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The vars plugin needs its own inventory directory and ansible.cfg, so this target drives ansible-playbook itself.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset SECRETS_MASTER_KEY SECRETS_MASTER_KEY_FILE
python=$(command -v python)
cat > "$work/ansible.cfg" <<CFG
[defaults]
vars_plugins_enabled = host_group_vars,fernet.dotenv.fernetenv
CFG
mkdir -p "$work/inventory/group_vars/web" "$work/inventory/host_vars"
printf '[web]\nweb1 ansible_connection=local ansible_python_interpreter=%s\nweb2 ansible_connection=local ansible_python_interpreter=%s\n' \
  "$python" "$python" > "$work/inventory/hosts.ini"
ANSIBLE_CONFIG="$work/ansible.cfg" ansible-playbook -i localhost, -c local -e "work=$work python=$python" setup.yml "$@"
export ANSIBLE_CONFIG="$work/ansible.cfg"

# with the key: group and host variables appear; each file is decrypted once in the run
SECRETS_MASTER_KEY_FILE="$work/master.key" ansible-playbook -i "$work/inventory/hosts.ini" -e "work=$work" check.yml -vvvv \
  > "$work/out.log" 2>&1 || { tail -40 "$work/out.log"; exit 1; }
decrypts=$(grep -c "fernet.dotenv: decrypted" "$work/out.log" || true)
[ "$decrypts" = 3 ] || { echo "expected 3 decryptions (3 files) in the run, saw $decrypts"; exit 1; }

# without a key: the run stops with the stable words instead of running with missing variables
if ansible-playbook -i "$work/inventory/hosts.ini" -e "work=$work" check.yml > "$work/nokey.log" 2>&1; then
  echo "a run without a key should fail"; exit 1
fi
grep -q "SECRETS_MASTER_KEY not found" "$work/nokey.log" || { tail -20 "$work/nokey.log"; exit 1; }
if grep -q Traceback "$work/nokey.log"; then echo "a traceback reached the user"; exit 1; fi
echo "vars_fernetenv: ok"
