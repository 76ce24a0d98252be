# shellcheck shell=bash
# The pinned npm peers in tools/js/node_modules (git-ignored). `npm ci` installs exactly the
# lock file; a stamp of the lock, package.json and node's version skips it when nothing changed.
# Never --omit=optional: anvil's native binary is an optional dependency.
#
# The lock holds every platform's anvil binary entry (npm ci refuses a lock without them). A registry
# copy that once served only the linux-x64 one yielded such a short lock; should a lock come out
# short again, `npm install --no-save` installs the same locked versions without touching it.

# The oldest Node.js every peer accepts (the highest "engines" floor in tools/js: @noble/curves 2).
DVT_NODE_MIN=20.19.0

# True when `node --version` is at least DVT_NODE_MIN.
dvt_node_new_enough() {
  local have want i
  IFS=. read -r -a have <<<"$(node --version 2>/dev/null | sed 's/^v//')"
  IFS=. read -r -a want <<<"$DVT_NODE_MIN"
  for i in 0 1 2; do
    [[ ${have[i]:-} =~ ^[0-9]+$ ]] || return 1
    ((10#${have[i]} > 10#${want[i]})) && return 0
    ((10#${have[i]} < 10#${want[i]})) && return 1
  done
  return 0
}

dvt_ensure_npm_peers() {
  local js="$DVT_ROOT/tools/js" stamp want
  stamp="$js/node_modules/.dvt-npm-ci.stamp"
  [[ -f $js/package-lock.json ]] || dvt_die "tools/js/package-lock.json is missing"
  command -v npm >/dev/null 2>&1 || dvt_die "npm is not installed"
  dvt_node_new_enough || dvt_die "Node.js $(node --version) is too old: the npm peers need $DVT_NODE_MIN or later (@noble/curves); Debian 12's own nodejs is 18, so install a newer one (nodejs.org, NodeSource) and run again"
  want=$( (node --version && cat "$js/package.json" "$js/package-lock.json") | sha256sum | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
    dvt_log "npm peers: up to date"
    return 0
  fi
  dvt_log "npm peers: npm ci in tools/js"
  local log
  log=$(mktemp)
  dvt_at_exit "rm -f '$log'"
  if DVT_CHILD_LOG=$log dvt_run_child env -C "$js" npm ci --no-audit --no-fund; then
    tail -n 3 "$log" >&2
  else
    # Its usage text would bury the reason: show only the reason.
    grep -E '^npm error (code|Missing|[^ ]*npm ci)' "$log" | head -n 8 >&2 || true
    dvt_log "npm peers: npm ci refused; npm install --no-save from the same lock"
    dvt_run_child env -C "$js" npm install --no-save --no-audit --no-fund ||
      dvt_die "npm could not install the peers in tools/js"
  fi
  printf '%s\n' "$want" >"$stamp"
}
