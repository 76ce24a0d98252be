# shellcheck shell=bash
# A throwaway PostgreSQL cluster under <base>/postgres: trust auth for user postgres, loopback
# only, its socket folder inside the base, durability switched off because nothing in it is kept.
#
#   postgres_start <base> <port>   (again after postgres_stop: the same cluster, its data kept)
#   postgres_stop <base>
#   postgres_running <base>

# Debian keeps the server binaries off PATH, under /usr/lib/postgresql/<version>/bin.
postgres_bin_dir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null) || dir=
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  fi
  return 1
}

_postgres_dir() { printf '%s/postgres\n' "$1"; }

# initdb and postgres refuse to run as root; as root they run as the postgres user, from a
# folder that user can enter.
_postgres_as_owner() {
  local dir=$1
  shift
  if [[ $(id -u) == 0 ]]; then
    (cd "$dir" && runuser -u postgres -- "$@")
  else
    (cd "$dir" && "$@")
  fi
}

postgres_running() {
  local dir pid
  dir=$(_postgres_dir "$1")
  [[ -s $dir/data/postmaster.pid ]] || return 1
  pid=$(head -n 1 "$dir/data/postmaster.pid")
  dvt_pid_alive "$pid" postgres
}

_postgres_show_log() {
  local file=$1
  [[ -s $file ]] || return 0
  dvt_log "---- last lines of $file"
  tail -n 40 "$file" >&2
}

postgres_start() {
  local base=$1 port=$2 dir bin
  bin=$(postgres_bin_dir) || { dvt_log "PostgreSQL server binaries are not installed"; return 1; }
  dir=$(_postgres_dir "$base")
  mkdir -p "$dir/sock"
  if [[ $(id -u) == 0 ]]; then
    id -u postgres >/dev/null 2>&1 || { dvt_log "user postgres does not exist"; return 1; }
    # The server, running as postgres, must be able to reach its folder through the base.
    chmod 755 "$base"
    chown -R postgres: "$dir"
  fi
  if [[ ! -f $dir/data/PG_VERSION ]] && ! _postgres_as_owner "$dir" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync \
    -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
    dvt_log "initdb failed"
    _postgres_show_log "$dir/initdb.log"
    return 1
  fi
  printf '%s\n' "$port" >"$dir/port"
  # setsid: a terminal's Ctrl-C would otherwise reach the postmaster as a fast shutdown request
  # before the exit trap gets to stop it in order.
  if ! _postgres_as_owner "$dir" setsid -w "$bin/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >"$dir/pg_ctl.out" 2>&1; then
    dvt_log "PostgreSQL did not start"
    _postgres_show_log "$dir/pg_ctl.out"
    _postgres_show_log "$dir/server.log"
    return 1
  fi
}

# Safe to call at any stage of a start and under set -e.
postgres_stop() {
  local base=$1 dir bin pid
  dir=$(_postgres_dir "$base")
  [[ -s $dir/data/postmaster.pid ]] || return 0
  pid=$(head -n 1 "$dir/data/postmaster.pid")
  dvt_pid_alive "$pid" postgres || return 0
  bin=$(postgres_bin_dir) || bin=
  if [[ -n $bin ]]; then
    _postgres_as_owner "$dir" "$bin/pg_ctl" stop -D "$dir/data" -m fast -w -t 30 >>"$dir/pg_ctl.out" 2>&1 || true
  fi
  if dvt_pid_alive "$pid" postgres; then
    # SIGQUIT is PostgreSQL's immediate shutdown.
    kill -QUIT "$pid" 2>/dev/null || true
    dvt_wait_pid_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
  fi
  return 0
}
