#!/bin/sh
# /usr/bin/boothd and /usr/bin/boothctl from the booth-runtime package: the bundled Node 24 runs
# /opt/booth-runtime/runtime/<name>.ts. The tree is found relative to this file (usr/bin/../../opt),
# so an unpacked package (dpkg-deb -x) runs the same way as an installed one.
self=$(readlink -f "$0")
prefix=$(dirname "$(dirname "$(dirname "$self")")")
root="${prefix%/}/opt/booth-runtime"
name=$(basename "$self")
# Node's compile cache keeps the type-stripped, compiled modules between starts. The service
# sets it to /var/cache/boothd; a technician's boothctl keeps its own under $HOME.
: "${NODE_COMPILE_CACHE:=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/booth-runtime/node-compile-cache}"
export NODE_COMPILE_CACHE
exec "$root/node/bin/node" "$root/runtime/$name.ts" "$@"
