#!/usr/bin/env bash
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Three SSH test hosts on this machine: each a network namespace with its own address (10.213.N.2, reached over a
# veth pair from 10.213.N.1) running its own sshd, in a mount namespace with a private tmpfs on /srv/fdhost, so that
# every host has its own files there. Traffic stays between this machine and these namespaces.
# Usage: hosts.sh start|stop STATE_DIR
set -euo pipefail
action=$1
state=$2
hosts=3
mkdir -p "$state"

start() {
  [ -x /usr/sbin/sshd ] || { echo "hosts.sh: /usr/sbin/sshd is missing (scripts/ensure-sshd installs it)" >&2; exit 1; }
  mkdir -p /run/sshd /srv/fdhost
  [ -f "$state/id_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -f "$state/id_ed25519"
  [ -f "$state/host_key" ] || ssh-keygen -q -t ed25519 -N "" -f "$state/host_key"
  cp "$state/id_ed25519.pub" "$state/authorized_keys"
  for n in $(seq 1 $hosts); do
    ns=fdmol$n
    ip netns del "$ns" 2>/dev/null || true
    ip link del "fdv$n" 2>/dev/null || true
    ip netns add "$ns"
    ip link add "fdv$n" type veth peer name "fdp$n"
    ip link set "fdp$n" netns "$ns"
    ip addr add "10.213.$n.1/24" dev "fdv$n"
    ip link set "fdv$n" up
    ip netns exec "$ns" ip addr add "10.213.$n.2/24" dev "fdp$n"
    ip netns exec "$ns" ip link set "fdp$n" up
    ip netns exec "$ns" ip link set lo up
    cat > "$state/sshd_config.$n" <<CFG
Port 22
ListenAddress 10.213.$n.2
HostKey $state/host_key
PidFile $state/sshd.$n.pid
AuthorizedKeysFile $state/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
Subsystem sftp internal-sftp
CFG
    setsid ip netns exec "$ns" unshare --mount --propagation private \
      sh -c "mount -t tmpfs -o mode=0755 fdhost$n /srv/fdhost && exec /usr/sbin/sshd -D -e -f $state/sshd_config.$n" \
      >"$state/sshd.$n.log" 2>&1 &
    echo $! > "$state/launcher.$n.pid"
  done
  for n in $(seq 1 $hosts); do
    for _ in $(seq 1 100); do
      if ip netns exec "fdmol$n" sh -c "exec 3<>/dev/tcp/10.213.$n.2/22" 2>/dev/null; then break; fi
      sleep 0.1
    done
  done
}

stop() {
  for n in $(seq 1 $hosts); do
    for pidfile in "$state/sshd.$n.pid" "$state/launcher.$n.pid"; do
      if [ -f "$pidfile" ]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
      fi
    done
    ip netns del "fdmol$n" 2>/dev/null || true
    ip link del "fdv$n" 2>/dev/null || true
  done
}

"$action"
