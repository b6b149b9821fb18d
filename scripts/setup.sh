#!/usr/bin/env bash
# Installs everything netlab needs on a Debian/Ubuntu machine, then builds it.
# Idempotent: safe to run again; it only installs what is missing. zsh and fish are there so
# the tests can run netlab's completion and prompt in each shell it supports.
#   --bench      also Mininet, which scripts/bench compares against (without Open vSwitch:
#                the benchmark runs it with --switch lxbr)
#   --uninstall  removes the `netlab` command this checkout put on the PATH, and nothing else
#                (the OS packages stay: other programs may use them)
set -euo pipefail
cd "$(dirname "$0")/.."
# `netlab` on the PATH: a link in /usr/local/bin, which sudo's secure_path includes on Debian and
# Ubuntu, so the commands netlab suggests (`sudo netlab exec …`) run as printed.
LINK=/usr/local/bin/netlab
if [ "${1:-}" = "--uninstall" ]; then
  if [ -L "$LINK" ] && [ "$(readlink -f "$LINK")" = "$(readlink -f bin/netlab)" ]; then rm -f "$LINK"; echo "setup.sh: removed $LINK"
  else echo "setup.sh: $LINK is not this checkout's netlab; left alone"; fi
  exit 0
fi

pkgs=(sudo iproute2 iptables nftables ipset conntrack iputils-ping curl netcat-openbsd fping tcpdump procps util-linux bridge-utils bind9-dnsutils bird2 graphviz zsh fish perl-base python3-minimal)
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

# Node.js 20 or newer. Debian 13 ships it; Debian 12 (18), Ubuntu 24.04 (18) and 22.04 (12) do
# not: there, Node.js LTS comes from NodeSource's signed apt repository (deb.nodesource.com, the
# source nodejs.org points Debian and Ubuntu users to), NETLAB_NODE_MAJOR (default 22) to choose.
node_major() { command -v node >/dev/null && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  major="${NETLAB_NODE_MAJOR:-22}"
  if [ "$(id -u)" -ne 0 ]; then echo "setup.sh: netlab needs Node.js 20 or newer (found: $(command -v node >/dev/null && node --version || echo none)); installing it needs root: run it with sudo" >&2; exit 1; fi
  echo "setup.sh: this system's Node.js is $(command -v node >/dev/null && node --version || echo missing), netlab needs 20 or newer: installing Node.js ${major}.x from NodeSource (https://deb.nodesource.com)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends ca-certificates curl gnupg >/dev/null
  install -d -m 0755 /etc/apt/keyrings
  if ! curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg; then
    echo "setup.sh: cannot reach deb.nodesource.com; install Node.js 20 or newer yourself (https://nodejs.org/en/download) and run setup.sh again" >&2; exit 1
  fi
  echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${major}.x nodistro main" > /etc/apt/sources.list.d/nodesource.list
  apt-get update -qq
  # NodeSource's nodejs carries its own npm, and replaces the distribution's nodejs and npm.
  apt-get install -y -qq nodejs >/dev/null
  hash -r
  echo "setup.sh: installed Node.js $(node --version) from NodeSource"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
if [ "$(id -u)" -eq 0 ]; then
  if [ -e "$LINK" ] && [ ! -L "$LINK" ]; then echo "setup.sh: $LINK exists and is not a link; not replacing it (run bin/netlab)" >&2
  else ln -sfn "$PWD/bin/netlab" "$LINK"; fi
fi
if command -v netlab >/dev/null && [ "$(readlink -f "$(command -v netlab)")" = "$(readlink -f bin/netlab)" ]; then
  echo "setup.sh: netlab is built and on the PATH ($LINK); try: sudo netlab up bridge-lab"
else
  echo "setup.sh: netlab is built; run it as sudo $PWD/bin/netlab (or run setup.sh with sudo to put it on the PATH)"
fi
