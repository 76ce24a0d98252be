# shellcheck shell=bash
# System packages a bare Debian 12 machine with only the .NET SDK lacks. Installs only what is
# missing, so a second run costs nothing, and never leaves Debian's own broker or database
# running: the tests start private ones on free ports.

# Prints the apt packages still needed, one a line.
dvt_missing_packages() {
  rabbitmq_bin_dir >/dev/null 2>&1 && command -v epmd >/dev/null 2>&1 || echo rabbitmq-server
  postgres_bin_dir >/dev/null 2>&1 || echo postgresql
  command -v node >/dev/null 2>&1 || echo nodejs
  command -v npm >/dev/null 2>&1 || echo npm
  # ./dvt status reads the operator's JSON over HTTP and lays it out as a table.
  command -v curl >/dev/null 2>&1 || echo curl
  command -v jq >/dev/null 2>&1 || echo jq
  command -v column >/dev/null 2>&1 || echo bsdextrautils
  return 0
}

_dvt_as_root() {
  if [[ $(id -u) == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    dvt_die "installing needs root (or sudo): $*"
  fi
}

# Debian starts a package's service on install unless /usr/sbin/policy-rc.d says no. The guard
# is only ours when we created it, and only then do we remove it.
DVT_POLICY_GUARD=
_dvt_policy_guard_on() {
  [[ -e /usr/sbin/policy-rc.d ]] && return 0
  _dvt_as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  DVT_POLICY_GUARD=/usr/sbin/policy-rc.d
  dvt_at_exit _dvt_policy_guard_off
}

_dvt_policy_guard_off() {
  [[ -n $DVT_POLICY_GUARD ]] || return 0
  _dvt_as_root rm -f "$DVT_POLICY_GUARD"
  DVT_POLICY_GUARD=
}

# In case a service started anyway (a policy file that allows it): it would hold the default
# ports and CPU while the tests run.
_dvt_stop_system_services() {
  local pkg units=()
  for pkg in "$@"; do
    case $pkg in
      rabbitmq-server) units+=(rabbitmq-server epmd.socket epmd.service) ;;
      postgresql) units+=(postgresql) ;;
    esac
  done
  ((${#units[@]})) || return 0
  # Stopped now and disabled for the next boot: these packages were installed here only for the project's own
  # throwaway nodes, and their system services (epmd on every interface included) must not come back on their own.
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    _dvt_as_root systemctl stop "${units[@]}" >/dev/null 2>&1 || true
    _dvt_as_root systemctl disable "${units[@]}" >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    for pkg in "${units[@]}"; do
      [[ -e /etc/init.d/$pkg ]] && { _dvt_as_root service "$pkg" stop >/dev/null 2>&1 || true; }
      [[ -e /etc/init.d/$pkg ]] && command -v update-rc.d >/dev/null 2>&1 && { _dvt_as_root update-rc.d "$pkg" disable >/dev/null 2>&1 || true; }
    done
  fi
  return 0
}

dvt_ensure_packages() {
  local missing=() still=()
  mapfile -t missing < <(dvt_missing_packages)
  if ((${#missing[@]} == 0)); then
    dvt_log "system packages: all present"
    return 0
  fi
  # npm reaches its registry over TLS; a minimal image may lack the CA bundle.
  [[ -e /etc/ssl/certs/ca-certificates.crt ]] || missing+=(ca-certificates)
  # Only packages dpkg did not have before are stopped and disabled afterwards: a broker or database already
  # installed (listed here only because a command was not on PATH) is the machine's own.
  local fresh=() pkg
  for pkg in "${missing[@]}"; do
    [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || fresh+=("$pkg")
  done
  dvt_log "installing: ${missing[*]}"
  _dvt_policy_guard_on
  _dvt_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  _dvt_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  _dvt_policy_guard_off
  ((${#fresh[@]} == 0)) || _dvt_stop_system_services "${fresh[@]}"
  hash -r
  mapfile -t still < <(dvt_missing_packages)
  ((${#still[@]} == 0)) || dvt_die "still missing after install: ${still[*]}"
}
