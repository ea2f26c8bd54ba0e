#!/usr/bin/env bash
# A private Docker Engine API served by Podman, for the Local-environment tests and for demos.
#
#   scripts/podman-service.sh start    start `podman system service` on a private unix socket (idempotent);
#                                      imports localhost/busybox:latest from a local rootfs if missing;
#                                      prints DOCKER_HOST=unix://… as the last line of stdout
#   scripts/podman-service.sh stop     stop the service started here (by its recorded PID; idempotent)
#   scripts/podman-service.sh status   "running pid=… socket=…" (exit 0) or "stopped" (exit 3)
#   scripts/podman-service.sh env      print DOCKER_HOST=unix://… (exit 1 when the service is not running)
#   scripts/podman-service.sh reset    stop, then delete the private storage (containers and images)
#
# Everything lives in one private directory, $DIVIO_TUI_PODMAN_DIR (default: ${TMPDIR:-/tmp}/divio-tui-podman):
# its own containers.conf and storage.conf (CONTAINERS_CONF / CONTAINERS_STORAGE_CONF), its own
# storage, run and tmp directories, so it never touches /etc/containers nor a system podman's state.
# Nothing is installed here: run scripts/podman-setup.sh for that.
set -euo pipefail

DIR="${DIVIO_TUI_PODMAN_DIR:-${TMPDIR:-/tmp}/divio-tui-podman}"
SOCK="$DIR/podman.sock"
PIDFILE="$DIR/service.pid"
LOG="$DIR/service.log"
IMAGE="localhost/busybox:latest"
DRIVER="${DIVIO_TUI_PODMAN_STORAGE_DRIVER:-vfs}"

say() { echo "podman-service: $*" >&2; }

network_backend() {
  local d
  for d in /usr/local/libexec/podman /usr/local/lib/podman /usr/libexec/podman /usr/lib/podman; do
    if [ -x "$d/netavark" ]; then echo netavark; return; fi
  done
  echo cni
}

write_config() {
  mkdir -p "$DIR/root" "$DIR/runroot" "$DIR/tmp" "$DIR/cni"
  chmod 700 "$DIR"
  # runc: crun is not installed on these machines; default_ulimits = []: the default nofile ulimit
  # cannot be applied in some sandboxes; cgroupfs + file events: no systemd/journald needed;
  # netns none: no network is needed (or reachable) by the test containers.
  cat >"$DIR/containers.conf" <<EOF
[containers]
default_ulimits = []
netns = "none"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$DIR/tmp"

[network]
# netavark when installed, else CNI (containernetworking-plugins is a hard dependency of podman 4
# on Debian 12, netavark only a recommendation); the containers use no network anyway.
network_backend = "$(network_backend)"
network_config_dir = "$DIR/cni"
EOF
  cat >"$DIR/storage.conf" <<EOF
[storage]
driver = "$DRIVER"
graphroot = "$DIR/root"
runroot = "$DIR/runroot"
EOF
  export CONTAINERS_CONF="$DIR/containers.conf"
  export CONTAINERS_STORAGE_CONF="$DIR/storage.conf"
}

pid_alive() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # The PID must still be our service (a stale file could name a reused PID).
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "system service .*unix://$SOCK" || return 1
  fi
}

ping_ok() {
  [ -S "$SOCK" ] || return 1
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s -m 2 --unix-socket "$SOCK" http://d/_ping 2>/dev/null)" = "OK" ]
  else
    podman --remote --url "unix://$SOCK" version >/dev/null 2>&1
  fi
}

ensure_image() {
  if podman image exists "$IMAGE" 2>/dev/null; then return 0; fi
  local bb
  bb="$(command -v busybox || true)"
  if [ -z "$bb" ]; then
    say "busybox not found: install busybox-static (scripts/podman-setup.sh)"
    return 1
  fi
  if ldd "$bb" >/dev/null 2>&1; then
    say "warning: $bb is dynamically linked; install busybox-static for a working image"
  fi
  local rootfs="$DIR/rootfs"
  rm -rf "$rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
  cp "$bb" "$rootfs/bin/busybox"
  chroot "$rootfs" /bin/busybox --install -s /bin 2>/dev/null || (
    # no chroot privilege: create the applet links from the host
    for a in $("$bb" --list); do [ -e "$rootfs/bin/$a" ] || ln -s busybox "$rootfs/bin/$a"; done
  )
  echo "root:x:0:0:root:/root:/bin/sh" >"$rootfs/etc/passwd"
  echo "root:x:0:" >"$rootfs/etc/group"
  tar -C "$rootfs" -c . | podman import -q --change 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  rm -rf "$rootfs"
  say "imported $IMAGE from a local busybox rootfs"
}

cmd_start() {
  if ! command -v podman >/dev/null 2>&1; then
    say "podman is not installed (run scripts/podman-setup.sh)"
    exit 2
  fi
  if [ ${#SOCK} -gt 100 ]; then
    say "socket path too long for a unix socket (${#SOCK} > 100 chars): set DIVIO_TUI_PODMAN_DIR to a shorter directory"
    exit 1
  fi
  mkdir -p "$DIR"
  exec 9>"$DIR/lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 30 9 || { say "another start is still in progress after 30 s"; exit 1; }
  fi
  write_config
  if pid_alive && ping_ok; then
    say "already running (pid $(cat "$PIDFILE"))"
    echo "DOCKER_HOST=unix://$SOCK"
    return 0
  fi
  if pid_alive; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; sleep 0.2; fi
  rm -f "$SOCK" "$PIDFILE"
  ensure_image
  # setsid: its own session, so the caller's terminal signals do not reach it; stopped by PID.
  setsid podman system service --time=0 "unix://$SOCK" >"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  local i
  for i in $(seq 1 100); do
    if ping_ok; then
      say "started (pid $(cat "$PIDFILE"), socket $SOCK)"
      echo "DOCKER_HOST=unix://$SOCK"
      return 0
    fi
    if ! pid_alive; then break; fi
    sleep 0.1
  done
  say "service did not come up; last log lines:"
  tail -n 20 "$LOG" >&2 || true
  cmd_stop >/dev/null 2>&1 || true
  exit 1
}

cmd_stop() {
  if pid_alive; then
    local pid i
    pid="$(cat "$PIDFILE")"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    say "stopped (pid $pid)"
  else
    say "not running"
  fi
  rm -f "$PIDFILE" "$SOCK"
}

cmd_status() {
  if pid_alive && ping_ok; then
    echo "running pid=$(cat "$PIDFILE") socket=$SOCK"
  else
    echo "stopped"
    exit 3
  fi
}

cmd_env() {
  if pid_alive && ping_ok; then
    echo "DOCKER_HOST=unix://$SOCK"
  else
    say "not running (scripts/podman-service.sh start)"
    exit 1
  fi
}

cmd_reset() {
  cmd_stop
  if command -v podman >/dev/null 2>&1 && [ -f "$DIR/containers.conf" ]; then
    write_config
    podman rm -af -t 0 >/dev/null 2>&1 || true
    podman system reset -f >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  say "removed $DIR"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  reset) cmd_reset ;;
  *)
    echo "usage: $0 start|stop|status|env|reset" >&2
    exit 64
    ;;
esac
