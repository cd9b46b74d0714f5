#!/usr/bin/env bash
# Runs a command inside the Debian 13 userland (eng/trixie-rootfs.sh), where TorchSharp's
# libtorch loads, with the host's .NET SDK, NuGet cache, this repository (at the same absolute
# path), ../shared beside it, /tmp, /proc, /sys and /dev mounted in.
#
# Usage: eng/in-trixie.sh CMD [ARGS...]     e.g. eng/in-trixie.sh dotnet test tests/TbBridge.TorchSharp.Tests
# The command runs in the current directory (which must be inside the repo or /tmp) with a clean
# environment: HOME, PATH (dotnet first), LANG, TERM, CI and every DOTNET_*, NUGET_*, MSBUILD*,
# TBBRIDGE_* and *_CA_*/SSL_CERT_* variable of the caller. Its exit code is returned.
#
# Mounts live in a private mount namespace and a new PID namespace: they are unmounted by the
# EXIT trap, and whatever the command leaves running (MSBuild nodes, the compiler server) is
# killed when it returns, so nothing stays mounted on the host even after a failure or kill -9.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ $# -eq 0 ]]; then
    echo "usage: eng/in-trixie.sh CMD [ARGS...]" >&2
    exit 2
fi

if [[ -z ${TBBRIDGE_IN_NAMESPACE:-} ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "in-trixie: must run as root (mount and chroot need it)" >&2
        exit 1
    fi
    rootfs=$("$repo/eng/trixie-rootfs.sh")
    export TBBRIDGE_IN_NAMESPACE=1 TBBRIDGE_ROOTFS_PATH=$rootfs
    exec unshare --mount --propagation private --pid --fork --kill-child -- "$0" "$@"
fi

# --- From here on: PID 1 of a fresh PID namespace, in a private mount namespace. ---
root=$TBBRIDGE_ROOTFS_PATH
mounted=()

cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -l "${mounted[i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT

# bind_at SOURCE TARGET-INSIDE [MOUNT-OPTIONS...]: bind SOURCE at TARGET in the rootfs
# (default --bind; pass --rbind for a tree with submounts, or --bind -o ro).
bind_at() {
    local src=$1 dst=$root$2
    shift 2
    (($#)) || set -- --bind
    if [[ -d $src ]]; then
        mkdir -p "$dst"
    else
        mkdir -p "$(dirname "$dst")"
        [[ -e $dst ]] || : >"$dst"
    fi
    mount "$@" "$src" "$dst"
    mounted+=("$dst")
}

mount -t proc proc "$root/proc"
mounted+=("$root/proc")
bind_at /sys /sys --rbind
bind_at /dev /dev --rbind
bind_at /tmp /tmp
chmod 1777 "$root/tmp"

dotnet_root=${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}
bind_at "$dotnet_root" "$dotnet_root"
home=${HOME:-/root}
[[ -d $home/.nuget ]] || mkdir -p "$home/.nuget/packages"
bind_at "$home/.nuget" "$home/.nuget"
# NuGet's HTTP cache: keeps a restore inside as quick as one outside.
if [[ -d $home/.local/share/NuGet ]]; then
    bind_at "$home/.local/share/NuGet" "$home/.local/share/NuGet"
fi
# The SDK's fallback package folder on these machines, when there is one.
if [[ -d /opt/nuget ]]; then
    bind_at /opt/nuget /opt/nuget
fi

# The repository at the same absolute path (obj/ files hold absolute paths), and ../shared
# (a folder or a link to one) beside it.
if [[ $repo != /tmp/* ]]; then
    bind_at "$repo" "$repo"
fi
if [[ -e $repo/../shared ]]; then
    shared=$(readlink -f "$repo/../shared")
    shared_at=$(dirname "$repo")/shared
    if [[ $shared_at != /tmp/* ]]; then
        bind_at "$shared" "$shared_at"
    elif [[ $shared != /tmp/* ]]; then
        # The link is visible through /tmp; make its target visible too.
        bind_at "$shared" "$shared"
    fi
fi

# Name resolution and the host's trusted certificates (NuGet goes through them).
bind_at /etc/resolv.conf /etc/resolv.conf
bind_at /etc/hosts /etc/hosts
bind_at /etc/ssl/certs /etc/ssl/certs --bind -o ro

env_args=(
    "HOME=$home"
    "PATH=$dotnet_root:$home/.dotnet/tools:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    "LANG=${LANG:-C.UTF-8}"
    "TERM=${TERM:-dumb}"
    "DOTNET_ROOT=$dotnet_root"
    "TBBRIDGE_IN_TRIXIE=1"
)
[[ -z ${CI:-} ]] || env_args+=("CI=$CI")
while IFS='=' read -r name _; do
    case $name in
        DOTNET_ROOT | TBBRIDGE_IN_NAMESPACE | TBBRIDGE_ROOTFS_PATH) ;;
        DOTNET_* | NUGET_* | MSBUILD* | TBBRIDGE_* | *_CA_* | SSL_CERT_* | *_CA_BUNDLE | *_CAINFO)
            env_args+=("$name=${!name}") ;;
    esac
done < <(env)

status=0
chroot "$root" /usr/bin/env -i "${env_args[@]}" /usr/bin/env -C "$PWD" -- "$@" || status=$?
exit "$status"
