#!/usr/bin/env bash
# Builds (or reuses) a minimal Debian 13 "trixie" userland for running TorchSharp.
#
# Why: TorchSharp 0.107.0's libtorch needs libstdc++ with GLIBCXX_3.4.32; Debian 12 ships
# 3.4.30, so libtorch cannot load on the host. The .NET SDK and the NuGet cache are not
# installed inside: eng/in-trixie.sh bind-mounts the host's. Python's gRPC (python3-grpcio,
# python3-protobuf, python3-grpc-tools for protoc) is installed for samples/python-worker and
# its end-to-end test (tests/TbBridge.Server.Tests/EndToEnd/PythonWorkerTests.cs). PostgreSQL 17's
# server (postgresql-17: initdb, pg_ctl, postgres under /usr/lib/postgresql/17/bin; its postinst, through
# postgresql-common, creates the postgres user) is installed for the replica tests, which start a
# throw-away cluster of their own (tests/TbBridge.Server.Tests/Infrastructure/PostgresServer.cs).
#
# Usage: eng/trixie-rootfs.sh            prints the rootfs path on stdout
# Env:   TBBRIDGE_ROOTFS_DIR  folder that holds it, its lock and any partial build
#                             (default: <repo>/.ci/rootfs, git-ignored); the rootfs is <dir>/trixie
#        TBBRIDGE_DEBIAN_MIRROR  Debian mirror (default: the host's apt source, else debootstrap's)
# Idempotent: a finished rootfs carries a stamp naming what it was built with; a matching
# stamp means "reuse"; an unfinished build is thrown away and redone. Serialised with flock.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suite=trixie
cache=${TBBRIDGE_ROOTFS_DIR:-$repo/.ci/rootfs}
rootfs=$cache/$suite
# python3-grpcio depends on the virtual libre2-11-absl20240722, which debootstrap does not resolve: name its provider.
# git: MinVer reads each build's version from the clone's history (Directory.Build.props).
# postgresql-17: the replica tests start a throw-away cluster (tests/TbBridge.Server.Tests/Infrastructure/PostgresServer.cs).
# chromium: the team page's browser tests (tests/TbBridge.Server.Tests/Web); dbus-x11 provides the
# session bus its dconf-service needs, a virtual package debootstrap does not resolve.
# docker-compose (Compose v2, no engine): resolves docker-compose.yml for tests/TbBridge.Server.Tests/Deployment.
packages=libicu76,libssl3t64,ca-certificates,python3,python3-grpcio,python3-protobuf,python3-grpc-tools,libre2-11,git,postgresql-17,chromium,dbus-x11,docker-compose
stamp_text="suite=$suite variant=minbase include=$packages v3"
stamp=$rootfs/.tbbridge-rootfs

log() { printf 'trixie-rootfs: %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
    log "must run as root (debootstrap and chroot need it)"
    exit 1
fi

mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9

if [[ -f $stamp && $(cat "$stamp") == "$stamp_text" ]]; then
    printf '%s\n' "$rootfs"
    exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq debootstrap >&2
fi

mirror=${TBBRIDGE_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
    # The host's own Debian source (deb822 or one-line form): the mirror this machine reaches.
    mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 || true)
fi

tmp=$rootfs.partial
# A leftover from an interrupted build may still have mounts under it (in-trixie.sh mounts
# only in its own namespace, but be safe): never rm -rf across a mount point.
if [[ -e $tmp ]]; then
    if grep -q " $tmp/" /proc/self/mounts; then
        log "refusing to delete $tmp: something is mounted under it"
        exit 1
    fi
    rm -rf --one-file-system "$tmp"
fi
if [[ -e $rootfs ]]; then
    if grep -q " $rootfs/" /proc/self/mounts; then
        log "refusing to rebuild $rootfs: something is mounted under it"
        exit 1
    fi
    rm -rf --one-file-system "$rootfs"
fi

log "debootstrap $suite into $rootfs (about a minute)"
started=$SECONDS
# shellcheck disable=SC2086 # $mirror is empty or one word.
debootstrap --variant=minbase --include="$packages" "$suite" "$tmp" $mirror >"$tmp.log" 2>&1 || {
    log "debootstrap failed; last lines of its log:"
    tail -n 30 "$tmp.log" >&2
    exit 1
}
rm -f "$tmp.log"
# Trim what a test run never needs.
rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
printf '%s\n' "$stamp_text" >"$tmp/.tbbridge-rootfs"
mv "$tmp" "$rootfs"
log "ready in $((SECONDS - started)) s: libstdc++ has $(grep -ao 'GLIBCXX_3\.4\.3[0-9]' "$rootfs"/usr/lib/x86_64-linux-gnu/libstdc++.so.6 | sort -uV | tail -n 1)"
printf '%s\n' "$rootfs"
