#!/usr/bin/env bash
# Installs what the Local-environment integration tests need: a real Docker Engine API served by
# Podman (`podman system service`), the `runc` runtime, and a static busybox to build a local image
# from (no image registry is needed or contacted).
#
# Idempotent: installs only what is missing. Needs root (or sudo) and apt (Debian/Ubuntu).
# Podman's configuration is NOT written globally: scripts/podman-service.sh writes a private
# containers.conf/storage.conf next to its socket and points CONTAINERS_CONF /
# CONTAINERS_STORAGE_CONF at them, so nothing in /etc/containers is changed.
#
# Usage: scripts/podman-setup.sh        (called by .ci/run)
set -euo pipefail

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
# busybox-static provides /bin/busybox statically linked (the dynamic `busybox` package is no use
# inside an image that has no libc).
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)

if [ ${#need[@]} -eq 0 ]; then
  echo "podman-setup: podman, runc and busybox-static already installed" >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "podman-setup: need root to install ${need[*]} (no sudo found)" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "podman-setup: apt-get not found; install ${need[*]} with your package manager" >&2
  exit 1
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# No recommends: buildah, criu, iptables, slirp4netns … are not needed for a network-less private service.
$SUDO apt-get install -y -qq --no-install-recommends podman runc busybox-static >/dev/null
echo "podman-setup: installed ${need[*]} in $(( $(date +%s) - start )) s" >&2
podman --version >&2
