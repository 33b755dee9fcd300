#!/usr/bin/env bash
# Build every souk image, one at a time (the machine is shared): the base from Debian packages,
# then souk-python (pip, requirements.lock) and souk-jvm (Maven, stack/pom.xml), then one image per
# server and service. `compose/build-images.sh producer processor` builds only those (and what they
# need). Images are tagged localhost/souk-<name>:latest; nothing is pulled from a registry.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
# Sandboxed hosts (see compose/containers.conf): runc, cgroupfs, rlimits the host allows.
[[ ${SOUK_PODMAN_CONF:-0} != 1 ]] || export CONTAINERS_CONF="$repo/compose/containers.conf"
# Docker format keeps the HEALTHCHECK instructions (the OCI image format has no such field).
build=(nice -n 10 podman build --format docker --pull=never --ignorefile compose/containerignore --network host
       --layers ${SOUK_BUILD_ARGS:-})

declare -A file=(
  [python]=compose/images/python.Containerfile
  [jvm]=compose/images/jvm.Containerfile
  [kafka]=compose/images/kafka.Containerfile
  [hdfs]=compose/images/hdfs.Containerfile
  [mariadb]=compose/images/mariadb.Containerfile
  [flume]=flume/Containerfile
)
for s in producer processor archiver sqoop-bridge dashboard batch; do file[$s]=services/$s/Containerfile; done
declare -A needs=([python]="" [jvm]=python [kafka]=jvm [hdfs]=jvm [flume]=jvm [batch]=jvm [mariadb]=python)
order=(python jvm kafka hdfs mariadb flume producer processor archiver sqoop-bridge dashboard batch)

wanted=("$@")
[[ ${#wanted[@]} -gt 0 ]] || wanted=("${order[@]}")
declare -A todo=()
add() {
  [[ -n ${file[$1]:-} ]] || { echo "build-images: unknown image '$1' (have: ${order[*]})" >&2; exit 2; }
  todo[$1]=1
  local need=${needs[$1]-python}
  [[ -z $need ]] || add "$need"
}
for w in "${wanted[@]}"; do add "$w"; done

"$repo/compose/build-base.sh"
for name in "${order[@]}"; do
  [[ -n ${todo[$name]:-} ]] || continue
  echo "build-images: localhost/souk-$name:latest from ${file[$name]}"
  "${build[@]}" -f "${file[$name]}" -t "localhost/souk-$name:latest" .
done
podman image ls --filter reference='localhost/souk-*'
