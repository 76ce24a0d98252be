# shellcheck shell=bash
# Shared helpers for ./dvt and the scripts it sources: logging, cleanup on exit, free ports,
# process checks and child processes that an interrupt can stop.

dvt_log() { printf '[dvt] %s\n' "$*" >&2; }
dvt_die() { printf '[dvt] error: %s\n' "$*" >&2; exit 1; }

# Cleanup actions run in reverse order when the shell exits, however it exits. Each action is a
# command line evaluated once; a failing action does not stop the ones after it.
DVT_CLEANUPS=()
DVT_CHILD=

dvt_at_exit() { DVT_CLEANUPS+=("$1"); }

# Drops the registered actions without running them: what they would undo is meant to stay.
dvt_keep_on_exit() { DVT_CLEANUPS=(); }

# Runs the registered actions now (newest first) and forgets them; safe to call again. Interrupts wait
# until they are done: a Ctrl-C in the middle would leave services half-stopped and their folder removed.
dvt_cleanup_now() {
  local i action saved_int saved_term
  saved_int=$(trap -p INT)
  saved_term=$(trap -p TERM)
  trap '' INT TERM
  if [[ -n $DVT_CHILD ]]; then dvt_stop_child; fi
  for ((i = ${#DVT_CLEANUPS[@]} - 1; i >= 0; i--)); do
    action=${DVT_CLEANUPS[i]}
    unset 'DVT_CLEANUPS[i]'
    eval "$action" || true
  done
  DVT_CLEANUPS=()
  eval "${saved_int:-trap - INT}"
  eval "${saved_term:-trap - TERM}"
}

# Fails unless <path> is this user's own and not a symbolic link, and, for a file, writable by no one else:
# ./dvt sources files under a shared temporary folder, which another user could have planted there.
dvt_own() {
  local path=$1
  [[ -e $path ]] || return 0
  if [[ -L $path || ! -O $path ]]; then
    dvt_log "$path is not yours (or is a link): remove it, or point TMPDIR elsewhere"
    return 1
  fi
  if [[ -f $path && -n $(find "$path" -maxdepth 0 -perm /022) ]]; then
    dvt_log "$path is writable by other users: remove it, or point TMPDIR elsewhere"
    return 1
  fi
}

dvt_run_cleanups() {
  local rc=$?
  # A second Ctrl-C must not abandon half-stopped services.
  trap '' INT TERM
  set +e
  dvt_cleanup_now
  exit "$rc"
}

dvt_install_traps() {
  trap dvt_run_cleanups EXIT
  trap 'dvt_log "interrupted"; exit 130' INT
  trap 'dvt_log "terminated"; exit 143' TERM
}

# Runs a long command in its own process group and waits for it. The wait (unlike a foreground
# command) returns as soon as a signal arrives, so an interrupt sent to this script alone still
# stops the whole group (dotnet test and its test hosts) through the exit trap.
# DVT_CHILD_LOG=file sends the command's output there; redirecting the call instead would also
# send an interrupt's messages to that file.
dvt_run_child() {
  local rc=0
  if [[ -n ${DVT_CHILD_LOG:-} ]]; then
    setsid "$@" </dev/null >"$DVT_CHILD_LOG" 2>&1 &
  else
    setsid "$@" </dev/null &
  fi
  DVT_CHILD=$!
  wait "$DVT_CHILD" || rc=$?
  DVT_CHILD=
  return "$rc"
}

dvt_stop_child() {
  local pid=$DVT_CHILD i
  DVT_CHILD=
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null
}

# True when the pid exists and its command name contains the given text (guards against a pid
# that was reused by an unrelated process after ours exited).
dvt_pid_alive() {
  local pid=$1 name=${2:-}
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -z $name ]] && return 0
  local comm
  comm=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $comm == *"$name"* ]]
}

# Waits up to $2 seconds for a pid to exit.
dvt_wait_pid_gone() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  return 1
}

# Ports any socket on this machine uses, read from /proc so no extra tool (ss, netstat) is needed.
_dvt_used_ports() {
  local f _sl local_addr _rest
  for f in /proc/net/tcp /proc/net/tcp6; do
    [[ -r $f ]] || continue
    while read -r _sl local_addr _rest; do
      [[ $local_addr == *:* ]] || continue
      printf '%d\n' "$((16#${local_addr##*:}))"
    done <"$f"
  done
}

# Picks a free TCP port into the named variable. The range sits below Linux's ephemeral range
# (32768+) so outgoing connections do not take it meanwhile, and away from RabbitMQ's CLI
# distribution ports (35672-35682). Ports handed out earlier in this shell are not reused.
DVT_TAKEN_PORTS=" "
dvt_pick_port() {
  local -n _dvt_port_out=$1
  local _dvt_used _dvt_p _dvt_try
  _dvt_used=" $(_dvt_used_ports | tr '\n' ' ') "
  for ((_dvt_try = 0; _dvt_try < 200; _dvt_try++)); do
    _dvt_p=$((20000 + RANDOM % 12000))
    [[ $_dvt_used == *" $_dvt_p "* || $DVT_TAKEN_PORTS == *" $_dvt_p "* ]] && continue
    DVT_TAKEN_PORTS+="$_dvt_p "
    _dvt_port_out=$_dvt_p
    return 0
  done
  dvt_die "no free TCP port found in 20000-31999"
}

dvt_now() { date +%s; }

# Phase timings, printed together at the end so a CI log shows where the time went.
DVT_TIMINGS=()
dvt_phase_done() {
  local name=$1 start=$2
  DVT_TIMINGS+=("$(printf '%-9s %4ds' "$name" "$(($(dvt_now) - start))")")
}

dvt_print_timings() {
  local t
  ((${#DVT_TIMINGS[@]})) || return 0
  dvt_log "phase timings:"
  for t in "${DVT_TIMINGS[@]}"; do dvt_log "  $t"; done
}
