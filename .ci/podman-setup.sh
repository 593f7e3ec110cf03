#!/bin/bash
# Makes this machine able to build and run the images of docker/ with podman, for the container tests
# (SidecarIT, ComposeSidecarIT) and for docs/DEPLOYMENT.md's "Containers" steps:
#
#   1. installs podman and its helpers from Debian when missing (podman, buildah, podman-compose, runc, netavark and
#      the iptables it sets container networks up with,
#      aardvark-dns, debootstrap, uidmap, slirp4netns, and catatonit for the pause image of pods);
#   2. uses .ci/podman/containers.conf (runc, cgroupfs, ulimits root can set, netavark) through CONTAINERS_CONF;
#   3. builds the base image localhost/debian:bookworm with debootstrap (minbase) from the Debian mirror this
#      machine's apt uses, unless the image exists already (no image registry is reachable here, so nothing is
#      pulled: every Dockerfile of docker/ starts FROM this image).
#
# Idempotent: a second run installs nothing and builds nothing.
#
#   .ci/podman-setup.sh                 steps 1 to 3
#   .ci/podman-setup.sh service-start   also serves the Docker API on $PODMAN_SOCKET (default /run/podman/podman.sock)
#                                       with `podman system service`, if nothing answers there yet
#   .ci/podman-setup.sh service-stop    stops the service that service-start started
#
# The tests start the API service themselves when none answers, and stop it when they are done.
# Uses sudo when not run as root; the containers run as root's podman.

set -euo pipefail

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
else
  as_root=(sudo)
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/podman/containers.conf}"
readonly BASE_IMAGE=localhost/debian:bookworm
readonly SUITE=bookworm
readonly PODMAN_SOCKET="${PODMAN_SOCKET:-/run/podman/podman.sock}"
readonly SERVICE_PID_FILE="${PODMAN_SOCKET%/*}/postseal-podman-service.pid"

log() { echo "podman-setup: $*"; }

install_packages() {
  local missing=() package command
  for package in podman:podman buildah:buildah podman-compose:podman-compose runc:runc netavark:/usr/lib/podman/netavark \
      aardvark-dns:/usr/lib/podman/aardvark-dns debootstrap:debootstrap uidmap:newuidmap slirp4netns:slirp4netns \
      catatonit:catatonit iptables:iptables; do
    command=${package#*:}
    package=${package%%:*}
    if ! command -v "$command" > /dev/null 2>&1 && [[ ! -x $command ]] && [[ ! -x /usr/sbin/$command ]]; then
      missing+=("$package")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return
  fi
  log "installing ${missing[*]}"
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -q \
    --no-install-recommends "${missing[@]}"
}

# The first Debian archive URI (not the security archive) in this machine's apt sources, deb822 or one-line style.
debian_mirror() {
  local uri
  uri=$(
    {
      awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' /etc/apt/sources.list.d/*.sources 2> /dev/null
      awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2> /dev/null
    } | grep -v -- '-security' | grep -E '/debian/?$' | head -n 1
  ) || true
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base_image() {
  if podman image exists "$BASE_IMAGE"; then
    log "$BASE_IMAGE exists"
    return
  fi
  local mirror root started
  mirror=$(debian_mirror)
  root=$(mktemp -d /tmp/containers-debootstrap-XXXXXX)
  trap '"${as_root[@]}" rm -rf "'"$root"'" "'"$root"'.log"' EXIT
  started=$SECONDS
  log "building $BASE_IMAGE: debootstrap --variant=minbase $SUITE from $mirror"
  "${as_root[@]}" debootstrap --variant=minbase "$SUITE" "$root" "$mirror" > "$root.log" 2>&1 || {
    tail -n 20 "$root.log" >&2
    rm -f "$root.log"
    echo "podman-setup: debootstrap from $mirror failed" >&2
    return 1
  }
  rm -f "$root.log"
  # the image's apt uses the same archives as this machine's (updates and security included)
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    "${as_root[@]}" cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
    "${as_root[@]}" rm -f "$root/etc/apt/sources.list"
  fi
  "${as_root[@]}" sh -c "rm -rf '$root'/var/cache/apt/archives/*.deb '$root'/var/lib/apt/lists/*"
  "${as_root[@]}" tar -C "$root" -c . | podman import --quiet \
    --change 'CMD ["/bin/bash"]' \
    --change "LABEL org.postseal.base=debootstrap-minbase-$SUITE" \
    - "$BASE_IMAGE" > /dev/null
  "${as_root[@]}" rm -rf "$root"
  log "$BASE_IMAGE built in $((SECONDS - started)) s"
}

service_answers() {
  podman --remote --url "unix://$PODMAN_SOCKET" version > /dev/null 2>&1
}

service_start() {
  if service_answers; then
    log "the Docker API answers on $PODMAN_SOCKET"
    return
  fi
  "${as_root[@]}" mkdir -p "${PODMAN_SOCKET%/*}"
  "${as_root[@]}" rm -f "$PODMAN_SOCKET"
  "${as_root[@]}" env CONTAINERS_CONF="$CONTAINERS_CONF" setsid podman system service --time=0 "unix://$PODMAN_SOCKET" \
    < /dev/null > "${PODMAN_SOCKET%/*}/postseal-podman-service.log" 2>&1 &
  echo $! | "${as_root[@]}" tee "$SERVICE_PID_FILE" > /dev/null
  for _ in $(seq 1 100); do
    if service_answers; then
      log "the Docker API answers on $PODMAN_SOCKET (DOCKER_HOST=unix://$PODMAN_SOCKET)"
      return
    fi
    sleep 0.1
  done
  echo "podman-setup: podman system service did not answer on $PODMAN_SOCKET" >&2
  return 1
}

service_stop() {
  if [[ -f $SERVICE_PID_FILE ]]; then
    "${as_root[@]}" kill "$(cat "$SERVICE_PID_FILE")" 2> /dev/null || true
    "${as_root[@]}" rm -f "$SERVICE_PID_FILE"
    log "stopped the service on $PODMAN_SOCKET"
  fi
}

case "${1:-setup}" in
  setup)
    install_packages
    build_base_image
    ;;
  service-start)
    install_packages
    build_base_image
    service_start
    ;;
  service-stop)
    service_stop
    ;;
  mirror)
    debian_mirror
    ;;
  *)
    echo "usage: $0 [setup|service-start|service-stop|mirror]" >&2
    exit 64
    ;;
esac
