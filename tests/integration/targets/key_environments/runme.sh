#!/usr/bin/env bash
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# One ring per environment (named rings): the environment variables and the vars plugin's inventory are per run,
# so this target drives ansible-playbook itself.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset SECRETS_MASTER_KEY SECRETS_MASTER_KEY_FILE
python=$(command -v python)
cat > "$work/ansible.cfg" <<CFG
[defaults]
vars_plugins_enabled = host_group_vars,fernet.dotenv.fernetenv
CFG
mkdir -p "$work/inventory/group_vars/prod" "$work/inventory/group_vars/staging" "$work/deployed"
printf '[prod]\napp-prod ansible_connection=local ansible_python_interpreter=%s\n[staging]\napp-staging ansible_connection=local ansible_python_interpreter=%s\n' \
  "$python" "$python" > "$work/inventory/hosts.ini"
export ANSIBLE_CONFIG="$work/ansible.cfg"
ansible-playbook -i localhost, -c local -e "work=$work python=$python" setup.yml "$@"

both() {
  SECRETS_MASTER_KEY_PROD_FILE="$work/prod.ring" SECRETS_MASTER_KEY_STAGING_FILE="$work/staging.ring" "$@"
}
only_staging() {
  SECRETS_MASTER_KEY_STAGING_FILE="$work/staging.ring" "$@"
}
no_leak() {
  for secret in "$work"/*.ring; do
    if grep -qF -f "$secret" "$1"; then echo "a key reached $1"; exit 1; fi
  done
  if grep -qE 'prod-password-value|staging-password-value' "$1"; then echo "a value reached $1"; exit 1; fi
  if grep -q Traceback "$1"; then echo "a traceback reached $1"; exit 1; fi
}

# both rings: one play deploys both environments, the lookup and the vars plugin read both
both ansible-playbook -i "$work/inventory/hosts.ini" -e "work=$work" deploy.yml "$@" -v > "$work/both.log" 2>&1 \
  || { grep -B2 -A12 'fatal:' "$work/both.log" | head -60; exit 1; }
no_leak "$work/both.log"

# only the staging ring: staging works, prod fails closed with the prod file's kid
prod_kid=$(cat "$work/prod.kid")
only_staging ansible-playbook -i "$work/inventory/hosts.ini" -e "work=$work prod_kid=$prod_kid" staging_only.yml "$@" \
  > "$work/staging.log" 2>&1 || { tail -40 "$work/staging.log"; exit 1; }
no_leak "$work/staging.log"

# the vars plugin meets group_vars/prod with only the staging ring: the run stops, naming the kid
if only_staging ansible-playbook -i "$work/inventory/hosts.ini" -e "work=$work" vars_check.yml > "$work/vars.log" 2>&1; then
  echo "a run without the prod ring should stop on group_vars/prod"; exit 1
fi
grep -q "Invalid encryption key or corrupted file (file kid $prod_kid" "$work/vars.log" || { tail -20 "$work/vars.log"; exit 1; }
no_leak "$work/vars.log"
# a key command: told the kid of the file being opened, run once per process per kid, its output never shown
cat > "$work/ring-command" <<SCRIPT
#!/bin/sh
echo "\$FERNET_DOTENV_KID" >> "$work/command-calls"
case "\$FERNET_DOTENV_KID" in
  $prod_kid) cat "$work/prod.ring" ;;
  *) cat "$work/staging.ring" ;;
esac
SCRIPT
cat > "$work/failing-command" <<SCRIPT
#!/bin/sh
cat "$work/prod.ring"
cat "$work/prod.ring" >&2
exit 3
SCRIPT
chmod 0700 "$work/ring-command" "$work/failing-command"
ansible-playbook -i localhost, -c local -e "work=$work" command.yml "$@" > "$work/command.log" 2>&1 \
  || { tail -40 "$work/command.log"; exit 1; }
no_leak "$work/command.log"
# argument errors: on the controller, before any key is resolved (the host does not even exist)
printf '#!/bin/sh\ntouch "%s/validate-calls"\ncat "%s/staging.ring"\n' "$work" "$work" > "$work/validate-command"
chmod 0700 "$work/validate-command"
printf '[unreachable]\nnowhere ansible_host=127.0.0.1 ansible_port=9 ansible_connection=ssh ansible_python_interpreter=%s\n' \
  "$python" > "$work/unreachable.ini"
ansible-playbook -i "$work/unreachable.ini" -e "work=$work" validate.yml "$@" > "$work/validate.log" 2>&1 \
  || { tail -40 "$work/validate.log"; exit 1; }
no_leak "$work/validate.log"
echo "key_environments: ok"
