#!/usr/bin/env bash
# Build the local base image souk-base:bookworm from Debian packages (no container registry needed):
# debootstrap a minbase bookworm root file system, then `podman import` it. Idempotent: an existing
# image is kept unless --force (re-import) or --clean (debootstrap again); the root file system is
# cached under $SOUK_HOME/containers/. The host's local CAs (/usr/local/share/ca-certificates, e.g.
# a TLS-inspecting proxy's) are trusted in the image too, so pip and Maven reach their registries
# from inside builds; SOUK_BASE_HOST_CAS=0 leaves them out.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
home="${SOUK_HOME:-$repo/var}"
image="${SOUK_BASE_IMAGE:-localhost/souk-base:bookworm}"
suite=bookworm
rootfs="$home/containers/rootfs-$suite"
force=0
clean=0
case "${1:-}" in
  --force) force=1 ;;
  --clean) force=1 clean=1 ;;
  "") ;;
  *) echo "usage: $0 [--force|--clean]" >&2; exit 2 ;;
esac

if [[ $force == 0 ]] && podman image exists "$image"; then
  echo "build-base: $image exists (use --force to rebuild)"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "build-base: debootstrap not found (apt-get install debootstrap)" >&2; exit 1; }
command -v podman >/dev/null || { echo "build-base: podman not found (apt-get install podman)" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "build-base: debootstrap needs root (run with sudo)" >&2; exit 1; }

# The host's own Debian mirror if it has one configured, else debootstrap's default.
mirror="${SOUK_DEBIAN_MIRROR:-}"
if [[ -z $mirror ]]; then
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | sed -nE 's/^(deb[[:space:]]+(\[[^]]*\][[:space:]]+)?|URIs:[[:space:]]*)([a-z]+:\/\/[^[:space:]]+\/debian)\/?([[:space:]]|$).*/\3/p' \
    | head -n1 || true)"
fi

if [[ $clean == 1 || ! -f "$rootfs/.souk-complete" ]]; then
  rm -rf "$rootfs"
  mkdir -p "$rootfs"
  echo "build-base: debootstrap $suite into $rootfs ${mirror:+(mirror $mirror)}"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" ${mirror:+"$mirror"}
  # Keep images small: no apt caches, no docs or man pages from later installs.
  cat >"$rootfs/etc/apt/apt.conf.d/90souk" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
APT
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/90souk" <<'DPKG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
  # debootstrap writes only the main suite; add updates and security from the same mirror.
  if [[ -n $mirror ]]; then
    printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s-security %s-security main\n' \
      "$mirror" "$suite" "$mirror" "$suite" "$mirror" "$suite" >"$rootfs/etc/apt/sources.list"
  fi
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log "$rootfs"/tmp/*
  touch "$rootfs/.souk-complete"
fi

if [[ ${SOUK_BASE_HOST_CAS:-1} == 1 ]] && compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates --fresh >/dev/null
fi

echo "build-base: importing $rootfs as $image"
tar --numeric-owner --exclude=./.souk-complete -C "$rootfs" -c . \
  | podman import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$image"
podman image ls "$image"
