#!/usr/bin/env bash
# Installs everything netlab needs on a Debian/Ubuntu machine, then builds it.
# Idempotent: safe to run again; it only installs what is missing. zsh and fish are there so
# the tests can run netlab's completion and prompt in each shell it supports.
#   --bench  also Mininet, which scripts/bench compares against (without Open vSwitch:
#            the benchmark runs it with --switch lxbr)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(iproute2 iptables nftables ipset iputils-ping curl netcat-openbsd fping tcpdump procps util-linux bridge-utils bind9-dnsutils bird2 graphviz zsh fish)
[ "${1:-}" = "--bench" ] && pkgs+=(mininet dnsperf bc)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup.sh: installing ${missing[*]} needs root: run it with sudo" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Daemons (bird) are installed, never started: labs run their own, in their namespaces.
  # policy-rc.d tells the packages' scripts not to start services; a machine's own one is kept.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now bird.service >/dev/null 2>&1 || true
  fi
  echo "setup.sh: installed ${missing[*]}"
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup.sh: netlab needs Node.js 20 or newer (apt-get install nodejs, or https://nodejs.org)" >&2; exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
echo "setup.sh: netlab is built; try: sudo bin/netlab up bridge-lab"
