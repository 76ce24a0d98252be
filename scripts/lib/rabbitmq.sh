# shellcheck shell=bash
# A private RabbitMQ node: everything it writes (Erlang cookie, mnesia, logs, config, pid file)
# lives under <base>/rabbitmq, it listens on loopback only, and it registers with its own epmd
# on a private port, so several nodes and a developer's own broker can run side by side.
#
#   rabbitmq_start <base> <amqp_port> <management_port>
#   rabbitmq_stop <base>
#   rabbitmq_running <base>
#   rabbitmq_cli <base> rabbitmqctl|rabbitmq-plugins|rabbitmq-diagnostics [args...]

# Debian's rabbitmq-* on PATH are wrappers that switch to the rabbitmq user (another HOME, so
# another Erlang cookie) and then cannot reach our node; the real scripts sit beside the wrapper.
rabbitmq_bin_dir() {
  local wrapper dir
  wrapper=$(command -v rabbitmq-server 2>/dev/null) || return 1
  dir=$(dirname "$(readlink -f "$wrapper")")
  [[ -x $dir/rabbitmq-server && -x $dir/rabbitmqctl ]] || return 1
  printf '%s\n' "$dir"
}

_rabbitmq_dir() { printf '%s/rabbitmq\n' "$1"; }

# A CLI call with the node's HOME (so its Erlang cookie) and environment.
rabbitmq_cli() {
  local base=$1 tool=$2
  shift 2
  local dir
  dir=$(_rabbitmq_dir "$base")
  [[ -f $dir/node.env ]] || { dvt_log "no RabbitMQ node under $base"; return 1; }
  (
    # shellcheck disable=SC1091
    . "$dir/node.env"
    cd "$dir" || exit 1
    if [[ -n ${DVT_CLI_TIMEOUT:-} ]]; then
      exec timeout --foreground "$DVT_CLI_TIMEOUT" "$RABBITMQ_BIN_DIR/$tool" "$@"
    fi
    exec "$RABBITMQ_BIN_DIR/$tool" "$@"
  )
}

_rabbitmq_vm_pid() {
  local pidfile
  pidfile="$(_rabbitmq_dir "$1")/rabbit.pid"
  [[ -s $pidfile ]] && tr -d '[:space:]' <"$pidfile"
}

rabbitmq_running() {
  local pid
  pid=$(_rabbitmq_vm_pid "$1") || return 1
  dvt_pid_alive "$pid" beam
}

_rabbitmq_show_logs() {
  local dir f
  dir=$(_rabbitmq_dir "$1")
  for f in "$dir"/log/*.log "$dir"/log/*.out; do
    [[ -s $f ]] || continue
    dvt_log "---- last lines of $f"
    tail -n 40 "$f" >&2
  done
}

rabbitmq_start() {
  local base=$1 port=$2 mgmt_port=$3
  local dir bin dist_port epmd_port node
  bin=$(rabbitmq_bin_dir) || { dvt_log "rabbitmq-server is not installed"; return 1; }
  command -v epmd >/dev/null || { dvt_log "epmd (erlang-base) is not installed"; return 1; }
  dir=$(_rabbitmq_dir "$base")
  dvt_pick_port dist_port
  dvt_pick_port epmd_port
  # The AMQP port makes the node name unique among nodes started side by side.
  node="dvt-$port@localhost"
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  chmod 700 "$dir"
  # Written before anything starts so the VM and the CLI never race to create different cookies.
  if [[ ! -s $dir/home/.erlang.cookie ]]; then
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d " \n" | tr a-f A-F >"$dir/home/.erlang.cookie")
    chmod 400 "$dir/home/.erlang.cookie"
  fi
  : >"$dir/rabbitmq-env.conf"
  cat >"$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
management.tcp.ip = 127.0.0.1
management.tcp.port = $mgmt_port
log.console = false
log.file.level = info
CONF
  cat >"$dir/node.env" <<ENV
export HOME='$dir/home'
export RABBITMQ_BIN_DIR='$bin'
export RABBITMQ_NODENAME='$node'
export RABBITMQ_NODE_PORT='$port'
export RABBITMQ_DIST_PORT='$dist_port'
export RABBITMQ_MANAGEMENT_PORT='$mgmt_port'
export RABBITMQ_MNESIA_BASE='$dir/mnesia'
export RABBITMQ_LOG_BASE='$dir/log'
export RABBITMQ_CONFIG_FILE='$dir/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$dir/advanced.config'
export RABBITMQ_ENABLED_PLUGINS_FILE='$dir/enabled_plugins'
export RABBITMQ_PID_FILE='$dir/rabbit.pid'
export RABBITMQ_CONF_ENV_FILE='$dir/rabbitmq-env.conf'
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export RABBITMQ_CTL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT='$epmd_port'
ENV

  # The shovel plugins are what the README's recovery of _error queues uses ("Move messages").
  if ! rabbitmq_cli "$base" rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management \
    >"$dir/log/plugins.out" 2>&1; then
    dvt_log "could not enable the management and shovel plugins"
    _rabbitmq_show_logs "$base"
    return 1
  fi

  # Our own epmd, started before the VM so the VM does not spawn an untracked one; its pid lets
  # the stop kill exactly this epmd and never one a developer's other nodes rely on.
  (
    # shellcheck disable=SC1091
    . "$dir/node.env"
    cd "$dir" || exit 1
    exec setsid epmd -port "$epmd_port" -address 127.0.0.1 </dev/null >"$dir/log/epmd.out" 2>&1
  ) &
  echo $! >"$dir/epmd.pid"
  local i
  for ((i = 0; i < 50; i++)); do
    ERL_EPMD_PORT=$epmd_port epmd -names >/dev/null 2>&1 && break
    sleep 0.1
  done

  # A new session keeps a terminal's Ctrl-C away from the broker: the exit trap stops it cleanly.
  (
    # shellcheck disable=SC1091
    . "$dir/node.env"
    cd "$dir" || exit 1
    exec setsid "$RABBITMQ_BIN_DIR/rabbitmq-server" </dev/null >"$dir/log/server.out" 2>&1
  ) &
  echo $! >"$dir/launcher.pid"

  # As a child an interrupt can stop: the broker may take a while to come up on a busy machine.
  # shellcheck disable=SC2016
  if ! DVT_CHILD_LOG="$dir/log/wait.out" dvt_run_child \
    bash -c '. "$0/node.env" && cd "$0" && exec "$RABBITMQ_BIN_DIR/rabbitmqctl" "$@"' \
    "$dir" wait --timeout 120 "$dir/rabbit.pid"; then
    dvt_log "RabbitMQ node $node did not start"
    _rabbitmq_show_logs "$base"
    return 1
  fi
}

# Safe to call at any stage of a start and under set -e: each step tolerates what is already gone.
rabbitmq_stop() {
  local base=$1 dir pid launcher epmd_pid epmd_port
  dir=$(_rabbitmq_dir "$base")
  [[ -f $dir/node.env ]] || return 0
  pid=$(_rabbitmq_vm_pid "$base") || pid=
  if [[ -n $pid ]] && dvt_pid_alive "$pid" beam; then
    DVT_CLI_TIMEOUT=60 rabbitmq_cli "$base" rabbitmqctl shutdown >"$dir/log/shutdown.out" 2>&1 || true
    if dvt_pid_alive "$pid" beam; then
      kill -TERM "$pid" 2>/dev/null || true
      dvt_wait_pid_gone "$pid" 15 || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  launcher=$(cat "$dir/launcher.pid" 2>/dev/null) || launcher=
  if [[ -n $launcher ]] && dvt_pid_alive "$launcher" rabbitmq-server; then
    kill -TERM "$launcher" 2>/dev/null || true
    dvt_wait_pid_gone "$launcher" 10 || kill -KILL "$launcher" 2>/dev/null || true
  fi
  epmd_pid=$(cat "$dir/epmd.pid" 2>/dev/null) || epmd_pid=
  if [[ -n $epmd_pid ]] && dvt_pid_alive "$epmd_pid" epmd; then
    epmd_port=$(sed -n "s/^export ERL_EPMD_PORT='\([0-9]*\)'$/\1/p" "$dir/node.env")
    ERL_EPMD_PORT=$epmd_port epmd -kill >/dev/null 2>&1 || true
    dvt_wait_pid_gone "$epmd_pid" 5 || kill -KILL "$epmd_pid" 2>/dev/null || true
  fi
  rm -f "$dir/rabbit.pid" "$dir/launcher.pid" "$dir/epmd.pid"
  return 0
}
