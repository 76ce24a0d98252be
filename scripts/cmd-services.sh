# shellcheck shell=bash
# ./dvt services up|down|status: the test services kept running for development. They live in
# ${TMPDIR:-/tmp}/dvtbus-dev-<uid> (mode 700, checked to be this user's before anything in it is read);
# .dvt/services.env (sourceable) lets later calls and a shell find them.

DVT_DEV_BASE="${TMPDIR:-/tmp}/dvtbus-dev-$(id -u)"
DVT_DEV_STATE="$DVT_ROOT/.dvt/services.env"

dvt_cmd_services() {
  dvt_own "$DVT_DEV_BASE" && dvt_own "$DVT_DEV_BASE/services.env" || return 1
  case ${1:-} in
    up) _dvt_services_up ;;
    down) _dvt_services_down ;;
    status) _dvt_services_status ;;
    *)
      echo "usage: ./dvt services up|down|status" >&2
      return 2
      ;;
  esac
}

_dvt_services_up() {
  if [[ -f $DVT_DEV_BASE/services.env ]] && dvt_services_running "$DVT_DEV_BASE"; then
    mkdir -p "$(dirname "$DVT_DEV_STATE")"
    cp "$DVT_DEV_BASE/services.env" "$DVT_DEV_STATE"
    echo "services are already up ($DVT_DEV_BASE)"
    dvt_services_print "$DVT_DEV_BASE"
    return 0
  fi
  dvt_install_traps
  dvt_ensure_packages
  # Leftovers of a half-dead earlier run (one service killed, a reboot) are cleared first.
  dvt_services_stop "$DVT_DEV_BASE"
  dvt_remove_base "$DVT_DEV_BASE"
  rm -f "$DVT_DEV_STATE"
  mkdir -m 700 "$DVT_DEV_BASE" || dvt_die "cannot create $DVT_DEV_BASE"
  : >"$DVT_DEV_BASE/.dvtbus"
  # Undone only if the start fails; after success the services outlive this script.
  dvt_at_exit "dvt_services_stop '$DVT_DEV_BASE'; dvt_remove_base '$DVT_DEV_BASE'"
  dvt_services_start "$DVT_DEV_BASE" || dvt_die "services did not start"
  dvt_keep_on_exit
  mkdir -p "$(dirname "$DVT_DEV_STATE")"
  cp "$DVT_DEV_BASE/services.env" "$DVT_DEV_STATE"
  echo "services are up ($DVT_DEV_BASE)"
  dvt_services_print "$DVT_DEV_BASE"
  echo "environment for tests and daemons: source .dvt/services.env"
}

_dvt_services_down() {
  if [[ ! -d $DVT_DEV_BASE ]]; then
    rm -f "$DVT_DEV_STATE"
    echo "services are not running"
    return 0
  fi
  dvt_services_stop "$DVT_DEV_BASE"
  dvt_remove_base "$DVT_DEV_BASE"
  rm -f "$DVT_DEV_STATE"
  echo "services are down"
}

_dvt_services_status() {
  local rc=0
  if [[ ! -f $DVT_DEV_BASE/services.env ]]; then
    echo "services are not running"
    return 1
  fi
  if rabbitmq_running "$DVT_DEV_BASE"; then
    echo "RabbitMQ: running"
    rabbitmq_cli "$DVT_DEV_BASE" rabbitmqctl list_queues -q --no-table-headers name messages 2>/dev/null |
      awk '{ printf "  queue %-50s %s messages\n", $1, $2 }' || true
  else
    echo "RabbitMQ: stopped"
    rc=1
  fi
  if postgres_running "$DVT_DEV_BASE"; then echo "PostgreSQL: running"; else
    echo "PostgreSQL: stopped"
    rc=1
  fi
  dvt_services_print "$DVT_DEV_BASE"
  ((rc == 0)) || echo "run ./dvt services up to restart them"
  return "$rc"
}
