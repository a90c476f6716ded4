#!/usr/bin/env bash
# Builds booth-runtime_<version>_amd64.deb (make deb): the runtime's TypeScript sources, their
# production node_modules and the Node 24 this project runs with under /opt/booth-runtime,
# launchers in /usr/bin, the systemd unit, the udev rules, an example manifest as a conffile,
# the spoken prompts (make voice), bash completion and the docs. docs/deploy.md describes the result.
# Usage: scripts/build-deb.sh [OUT_DIR]   (default var/deb); prints the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=${1:-var/deb}

node_bin=$(command -v node)
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
node_arch=$("$node_bin" -p 'process.arch')
if [ "$node_major" -lt 24 ] || [ "$node_arch" != x64 ]; then
  echo "build-deb: need Node >= 24 for x64 on PATH to bundle (found $node_major, $node_arch); run make node" >&2
  exit 1
fi
[ -d node_modules ] || { echo "build-deb: no node_modules; run make deps" >&2; exit 1; }
[ -f build/voice/index.json ] || { echo "build-deb: no spoken prompts (build/voice/index.json); run make voice" >&2; exit 1; }
version=$("$node_bin" -p 'require("./package.json").version')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/booth-runtime"
opt="$stage/opt/booth-runtime"
mkdir -p "$opt/node/bin" "$opt/scripts" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/lib/udev/rules.d" \
  "$stage/usr/lib/modules-load.d" "$stage/etc/boothd" "$stage/usr/share/bash-completion/completions" \
  "$stage/usr/share/doc/booth-runtime" "$stage/DEBIAN"

# The sources Node runs (type stripping, no build step). The simulator ships too: boothd
# imports its control hooks and demo, and the example manifest describes a simulated booth.
for dir in runtime protocols hal simulator drivers kiosk; do
  [ -d "$dir" ] && cp -R "$dir" "$opt/"
done
cp scripts/*.ts "$opt/scripts/"
# The spoken prompts, where boothd looks when the manifest names no audio.voiceDir.
mkdir -p "$opt/build"
cp -R build/voice "$opt/build/"
cp package.json "$opt/"
mapfile -t modules < <("$node_bin" scripts/production-modules.ts)
# Each module without its own node_modules folder: the nested modules it needs are listed (and
# copied) on their own, anything else nested there is not needed. One tar for all: fast.
find "${modules[@]}" -name node_modules -prune -o -print0 | tar --null --no-recursion -T - -cf - | tar -C "$opt" -xf -
cp "$node_bin" "$opt/node/bin/node"
node_license="$(dirname "$(dirname "$(readlink -f "$node_bin")")")/LICENSE"
[ -f "$node_license" ] && cp "$node_license" "$opt/node/LICENSE"

install -m 0755 deploy/debian/launcher.sh "$stage/usr/bin/boothd"
install -m 0755 deploy/debian/launcher.sh "$stage/usr/bin/boothctl"
install -m 0644 deploy/systemd/boothd.service "$stage/lib/systemd/system/boothd.service"
install -m 0644 deploy/udev/99-booth.rules "$stage/lib/udev/rules.d/99-booth.rules"
install -m 0644 deploy/modules-load/booth-runtime.conf "$stage/usr/lib/modules-load.d/booth-runtime.conf"
install -m 0644 deploy/booth.example.yaml "$stage/etc/boothd/booth.yaml"
bin/boothctl completion bash >"$stage/usr/share/bash-completion/completions/boothctl"
cp docs/*.md "$stage/usr/share/doc/booth-runtime/"

# Root-owned (dpkg-deb --root-owner-group), nothing group- or world-writable.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod u+rw,go+r,go-w {} +

for script in postinst prerm postrm; do install -m 0755 "deploy/debian/$script" "$stage/DEBIAN/$script"; done
echo /etc/boothd/booth.yaml >"$stage/DEBIAN/conffiles"
installed_kib=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
# libc 2.28 is the floor of Node 24's official binaries (Astra 1.7 has 2.28); libstdc++ from
# GCC 5 or newer; adduser for postinst. libgcc1 is the name on Astra 1.7 / Debian 10.
cat >"$stage/DEBIAN/control" <<EOF
Package: booth-runtime
Version: $version
Architecture: amd64
Maintainer: booth-runtime developers <booth-runtime@localhost>
Installed-Size: $installed_kib
Depends: libc6 (>= 2.28), libstdc++6 (>= 5.2), libgcc-s1 | libgcc1, adduser
Recommends: bash-completion, alsa-utils, fonts-dejavu-core, fonts-noto-cjk
Section: misc
Priority: optional
Description: headless runtime of the self-service biometric enrolment booth
 boothd drives the booth's hardware, keeps the door fail-safe, runs the enrolment
 session and reports over MQTT (Sparkplug B); boothctl is the technician's tool.
 Bundles its own Node.js 24 runtime under /opt/booth-runtime.
EOF

mkdir -p "$out_dir"
deb="$out_dir/booth-runtime_${version}_amd64.deb"
# gzip -6: every dpkg reads it (Astra 1.7's too) and it builds in seconds; -9 takes three times
# as long for 1% less, xz about a minute.
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "$deb" >/dev/null
echo "$deb"
