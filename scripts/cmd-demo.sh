# shellcheck shell=bash
# ./dvt demo: the whole path on one machine. Installs what is missing, starts RabbitMQ, PostgreSQL and
# anvil, deploys the devnet contracts, generates a dev cluster, starts the relayer, one sidecar per
# node, the operator and the dev oracles as separate processes, drops the deposit-data file into the
# operator's inbox and follows it to the last ValidatorRegistered event. Everything it started is
# stopped on exit; the daemons' logs are kept in .dvt/demo-logs.
#
# For the end-to-end tests (services and a node already running): DVT_SERVICES=1 with the DVT_*
# variables skips the installs and the service start (DVT_RABBITMQ_VHOST and DVT_DEMO_POSTGRES pick a
# virtual host and a database), --rpc URL uses that node instead of a private anvil,
# DVT_DEMO_NO_BUILD=1 with DVT_DEMO_CONFIGURATION uses binaries built already.

_demo_usage() {
  cat <<'USAGE'
usage: ./dvt demo [options]
  --validators N         distributed validators to register (default 8)
  --nodes K              nodes per cluster, one sidecar each (default 4)
  --threshold T          key shares needed to sign (default 3)
  --oracles N            dev oracles (default 11)
  --oracle-threshold T   oracle approvals the keeper requires, and shards that recover an exit (default 8)
  --out FILE             write the verifiable result (network, oracles, shards, transactions) as JSON
  --without-sidecar I    do not start node I's sidecar (t of n must still register)
  --rpc URL              use this node (first account unlocked) instead of a private anvil
  --timeout S            seconds to wait for every registration (default 600)
USAGE
}

dvt_cmd_demo() {
  local validators=8 nodes=4 threshold=3 oracles=11 oracle_threshold=8 out="" without="" rpc="" timeout=600
  while (($#)); do
    case $1 in
      --validators | --nodes | --threshold | --oracles | --oracle-threshold | --without-sidecar | --timeout)
        [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "$1 needs a number" >&2; return 2; }
        case $1 in
          --validators) validators=$2 ;;
          --nodes) nodes=$2 ;;
          --threshold) threshold=$2 ;;
          --oracles) oracles=$2 ;;
          --oracle-threshold) oracle_threshold=$2 ;;
          --without-sidecar) without=$2 ;;
          --timeout) timeout=$2 ;;
        esac
        shift 2
        ;;
      --out)
        [[ -n ${2:-} ]] || { echo "--out needs a file" >&2; return 2; }
        out=$(cd "$DVT_CALLER_PWD" && realpath -m -- "$2")
        shift 2
        ;;
      --rpc)
        [[ ${2:-} =~ ^https?:// ]] || { echo "--rpc needs an http(s) URL" >&2; return 2; }
        rpc=$2
        shift 2
        ;;
      -h | --help)
        _demo_usage
        return 0
        ;;
      *)
        echo "unknown option: $1" >&2
        _demo_usage >&2
        return 2
        ;;
    esac
  done
  ((validators >= 1 && nodes >= 1 && threshold >= 1 && threshold <= nodes)) ||
    dvt_die "need --validators >= 1 and 1 <= --threshold <= --nodes"
  ((oracles >= 1 && oracle_threshold >= 1 && oracle_threshold <= oracles)) ||
    dvt_die "need 1 <= --oracle-threshold <= --oracles"
  if [[ -n $without ]]; then
    ((without < nodes)) || dvt_die "--without-sidecar must be a node index below --nodes"
    ((nodes - 1 >= threshold)) || dvt_die "with a sidecar missing, fewer than --threshold nodes remain"
  fi

  local t base
  dvt_install_traps
  base=$(mktemp -d "${TMPDIR:-/tmp}/dvtbus-demo.XXXXXX")
  : >"$base/.dvtbus"
  mkdir -p "$base/logs" "$base/pids" "$base/env"
  dvt_at_exit "_demo_keep_logs '$base'; dvt_remove_base '$base'"

  if [[ ${DVT_SERVICES:-} != 1 ]]; then
    t=$(dvt_now)
    dvt_ensure_packages
    dvt_ensure_npm_peers
    dvt_phase_done install "$t"
  fi

  local config=${DVT_DEMO_CONFIGURATION:-Release}
  if [[ ${DVT_DEMO_NO_BUILD:-} != 1 ]]; then
    t=$(dvt_now)
    local project
    for project in Devnet Relayer.Worker Sidecar.Worker Operator.Worker; do
      dvt_log "building $project ($config)"
      dvt_run_child dotnet build "$DVT_ROOT/src/$project" -c "$config" -v quiet -nologo >"$base/logs/build-$project.log" 2>&1 ||
        { tail -n 30 "$base/logs/build-$project.log" >&2; dvt_die "build of $project failed"; }
    done
    dvt_phase_done build "$t"
  fi
  DEMO_BIN() { printf '%s/src/%s/bin/%s/net10.0\n' "$DVT_ROOT" "$1" "$config"; }
  local devnet
  devnet="$(DEMO_BIN Devnet)/DvtBus.Devnet.dll"
  [[ -f $devnet ]] || dvt_die "$devnet is missing: build first"

  t=$(dvt_now)
  if [[ ${DVT_SERVICES:-} != 1 ]]; then
    dvt_at_exit "dvt_services_stop '$base'"
    dvt_services_start "$base" || dvt_die "services did not start"
    # shellcheck disable=SC1091
    . "$base/services.env"
  fi
  local vhost=${DVT_RABBITMQ_VHOST:-/} postgres=${DVT_DEMO_POSTGRES:-$DVT_POSTGRES}
  dvt_log "RabbitMQ management UI: http://$DVT_RABBITMQ_HOST:$DVT_RABBITMQ_MANAGEMENT_PORT/ ($DVT_RABBITMQ_USER / $DVT_RABBITMQ_PASSWORD)"
  if [[ -z $rpc ]]; then
    _demo_start_anvil "$base"
    rpc=$DEMO_RPC
  fi
  dvt_log "Ethereum node: $rpc"
  dvt_phase_done services "$t"

  t=$(dvt_now)
  _demo_devnet oracle-keys --count "$oracles" --out "$base/oracle-keys.json" >"$base/logs/oracle-keys.json"
  _demo_devnet manager-key --keystore "$base/manager-keystore.json" --password-file "$base/manager-password.txt" >"$base/manager.json"
  _demo_devnet deploy --rpc "$rpc" --oracles-file "$base/oracle-keys.json" --min-oracles "$oracle_threshold" \
    --manager "$(_demo_json "$base/manager.json" j.address)" --funding-ether "$((32 * validators + 10))" \
    --network-out "$base/network.json" >"$base/deploy.json"
  local vault keeper
  vault=$(_demo_json "$base/deploy.json" j.vault)
  keeper=$(_demo_json "$base/deploy.json" j.keeper)
  dvt_log "deployed: vault $vault, keeper $keeper, deposit contract $(_demo_json "$base/deploy.json" j.deposit_contract)"
  _demo_devnet cluster --validators "$validators" --nodes "$nodes" --threshold "$threshold" --vault "$vault" \
    --network-config "$base/network.json" --out "$base/cluster" >"$base/logs/cluster.json"
  dvt_log "cluster: $validators validators, $nodes nodes, threshold $threshold ($base/cluster)"
  dvt_phase_done deploy "$t"

  t=$(dvt_now)
  local token relayer_port operator_port oracle_port i port
  token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  dvt_pick_port relayer_port
  dvt_pick_port operator_port
  dvt_pick_port oracle_port
  dvt_at_exit "_demo_stop_daemons '$base'"

  _demo_common_env "$vhost" >"$base/env/common.env"
  {
    cat "$base/env/common.env"
    _demo_env_line Postgres__ConnectionString "$postgres"
    _demo_env_line Urls "http://127.0.0.1:$relayer_port"
    _demo_env_line Api__Token "$token"
    _demo_network_env Network "$base/network.json"
    # shellcheck disable=SC2016
    node -e 'const k=require(process.argv[1]); k.forEach((o,i)=>console.log(`Oracles__PublicKeys__${i}='"'"'${o.public_key}'"'"'`))' "$base/oracle-keys.json"
    _demo_env_line Oracles__ExitSignatureRecoverThreshold "$oracle_threshold"
  } >"$base/env/relayer.env"
  _demo_start "$base" relayer "$base/env/relayer.env" "$(DEMO_BIN Relayer.Worker)/DvtBus.Relayer.Worker.dll"
  _demo_wait_ready "$base" relayer "http://127.0.0.1:$relayer_port/health/ready"

  for ((i = 0; i < nodes; i++)); do
    [[ $i == "$without" ]] && { dvt_log "sidecar node-$i is not started (--without-sidecar)"; continue; }
    dvt_pick_port port
    {
      cat "$base/env/common.env"
      _demo_env_line Urls "http://127.0.0.1:$port"
      _demo_env_line Sidecar__Id "node-$i"
      _demo_network_env Sidecar__Network "$base/network.json"
      _demo_env_line Sidecar__Obol__LockFile "$base/cluster/cluster-lock.json"
      _demo_env_line Sidecar__Obol__Nodes__0__Index "$i"
      _demo_env_line Sidecar__Obol__Nodes__0__KeysDir "$base/cluster/node$i/validator_keys"
    } >"$base/env/sidecar-$i.env"
    _demo_start "$base" "sidecar-$i" "$base/env/sidecar-$i.env" "$(DEMO_BIN Sidecar.Worker)/DvtBus.Sidecar.Worker.dll"
    printf '%s\n' "http://127.0.0.1:$port/health/ready" >"$base/pids/sidecar-$i.ready"
  done

  _demo_start_oracles "$base" "$oracle_port" "$oracle_threshold" "$rpc" "$keeper"

  {
    cat "$base/env/common.env"
    _demo_env_line Postgres__ConnectionString "$postgres"
    _demo_env_line Urls "http://127.0.0.1:$operator_port"
    _demo_env_line Operator__Folder "$base/operator"
    _demo_network_env Operator__Network "$base/network.json"
    _demo_env_line Operator__Vault "$vault"
    _demo_env_line Operator__Keeper "$keeper"
    _demo_env_line Operator__RpcUrl "$rpc"
    _demo_env_line Operator__DepositStartBlock 0
    _demo_env_line Operator__ScanInterval 00:00:02
    _demo_env_line Operator__StabilityDelay 00:00:00.500
    _demo_env_line Operator__ManagerKeystore "$base/manager-keystore.json"
    _demo_env_line Operator__ManagerPasswordFile "$base/manager-password.txt"
    for ((i = 0; i < oracles; i++)); do _demo_env_line "Operator__Oracles__${i}__Url" "http://127.0.0.1:$oracle_port/oracle/$i"; done
  } >"$base/env/operator.env"
  _demo_start "$base" operator "$base/env/operator.env" "$(DEMO_BIN Operator.Worker)/DvtBus.Operator.Worker.dll"

  local ready
  for ready in "$base"/pids/sidecar-*.ready; do
    [[ -f $ready ]] || continue
    i=$(basename "$ready" .ready)
    _demo_wait_ready "$base" "$i" "$(<"$ready")"
  done
  _demo_wait_ready "$base" oracles "http://127.0.0.1:$oracle_port/health/ready"
  _demo_wait_ready "$base" operator "http://127.0.0.1:$operator_port/health/ready"
  dvt_log "daemons ready: relayer :$relayer_port, operator :$operator_port, $oracles oracles :$oracle_port, $(find "$base/pids" -name 'sidecar-*.pid' | wc -l) sidecars"
  dvt_phase_done start "$t"

  t=$(dvt_now)
  mkdir -p "$base/operator/inbox"
  cp "$base/cluster/deposit-data.json" "$base/operator/deposit_data-demo.json.part"
  mv "$base/operator/deposit_data-demo.json.part" "$base/operator/inbox/deposit_data-demo.json"
  dvt_log "dropped $validators deposits into $base/operator/inbox"

  local watch_rc=0
  DVT_RELAYER_TOKEN=$token dotnet "$devnet" demo-watch --deposit-data "$base/cluster/deposit-data.json" \
    --relayer "http://127.0.0.1:$relayer_port" --operator "http://127.0.0.1:$operator_port" --rpc "$rpc" \
    --vault "$vault" --keeper "$keeper" --network-config "$base/network.json" --oracle-keys "$base/oracle-keys.json" \
    --oracle-threshold "$oracle_threshold" --threshold "$threshold" --timeout "$timeout" ${out:+--out "$out"} &
  local watch=$!
  # A background job of a script ignores Ctrl-C: stopped with the rest on any exit.
  dvt_at_exit "kill $watch 2>/dev/null || true"
  while kill -0 "$watch" 2>/dev/null; do
    if ! _demo_daemons_alive "$base"; then
      kill "$watch" 2>/dev/null || true
      wait "$watch" 2>/dev/null || true
      dvt_die "a daemon stopped during the run (logs in .dvt/demo-logs)"
    fi
    sleep 1
  done
  wait "$watch" || watch_rc=$?
  dvt_phase_done register "$t"
  dvt_print_timings
  if ((watch_rc != 0)); then
    _demo_show_logs "$base"
    dvt_die "the demo did not register every validator (daemon logs in .dvt/demo-logs)"
  fi
  dvt_log "demo passed"
}

_demo_devnet() {
  local rc=0
  dotnet "$devnet" "$@" || rc=$?
  ((rc == 0)) || dvt_die "devnet $1 failed (exit $rc)"
}

# Reads one value from a JSON file with node (j is the document).
_demo_json() { node -e 'const j=require(process.argv[1]); console.log(eval(process.argv[2]))' "$1" "$2"; }

_demo_env_line() { printf "%s='%s'\n" "$1" "${2//\'/}"; }

_demo_common_env() {
  _demo_env_line RabbitMq__Host "$DVT_RABBITMQ_HOST"
  _demo_env_line RabbitMq__Port "$DVT_RABBITMQ_PORT"
  _demo_env_line RabbitMq__VirtualHost "$1"
  _demo_env_line RabbitMq__Username "$DVT_RABBITMQ_USER"
  _demo_env_line RabbitMq__Password "$DVT_RABBITMQ_PASSWORD"
  _demo_env_line DOTNET_gcServer 0
}

# The devnet's network settings under a section (Network, Sidecar__Network, Operator__Network).
_demo_network_env() {
  # shellcheck disable=SC2016
  node -e 'const n=require(process.argv[2]); for (const [k,v] of Object.entries(n)) console.log(`${process.argv[1]}__${k}='"'"'${v}'"'"'`)' "$1" "$2"
}

_demo_start_anvil() {
  local base=$1 port binary
  binary=$(find "$DVT_ROOT/tools/js/node_modules/@foundry-rs" -path '*/bin/anvil' -type f 2>/dev/null | head -n 1)
  [[ -n $binary ]] || binary="$DVT_ROOT/tools/js/node_modules/.bin/anvil"
  dvt_pick_port port
  (exec setsid "$binary" --host 127.0.0.1 --port "$port" --silent </dev/null >"$base/logs/anvil.log" 2>&1) &
  echo $! >"$base/anvil.pid"
  dvt_at_exit "_demo_stop_pid '$base/anvil.pid' anvil"
  DEMO_RPC="http://127.0.0.1:$port"
  local i
  for ((i = 0; i < 100; i++)); do
    node -e 'fetch(process.argv[1],{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({jsonrpc:"2.0",id:1,method:"eth_chainId",params:[]})}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
      "$DEMO_RPC" 2>/dev/null && return 0
    sleep 0.1
  done
  dvt_die "anvil did not answer on $DEMO_RPC"
}

_demo_start_oracles() {
  local base=$1 port=$2 threshold=$3 rpc=$4 keeper=$5
  (exec setsid dotnet "$devnet" oracles --keys "$base/oracle-keys.json" --threshold "$threshold" --port "$port" \
    --rpc "$rpc" --keeper "$keeper" --network-config "$base/network.json" </dev/null >"$base/logs/oracles.log" 2>&1) &
  echo $! >"$base/pids/oracles.pid"
}

# Starts a daemon from its folder (so it finds its appsettings.json) with the env file's settings.
_demo_start() {
  local base=$1 name=$2 env=$3 dll=$4
  [[ -f $dll ]] || dvt_die "$dll is missing: build first"
  (
    set -a
    # shellcheck disable=SC1090
    . "$env"
    set +a
    cd "$(dirname "$dll")" || exit 1
    exec setsid dotnet "$dll"
  ) </dev/null >"$base/logs/$name.log" 2>&1 &
  echo $! >"$base/pids/$name.pid"
}

_demo_wait_ready() {
  local base=$1 name=$2 url=$3 pid i
  pid=$(<"$base/pids/$name.pid")
  for ((i = 0; i < 240; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      dvt_log "---- last lines of $name's log"
      tail -n 25 "$base/logs/$name.log" >&2
      dvt_die "$name exited before it was ready"
    fi
    node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url" 2>/dev/null && return 0
    sleep 0.5
  done
  dvt_die "$name was not ready after 120 s ($url)"
}

_demo_daemons_alive() {
  local f name
  for f in "$1"/pids/*.pid; do
    [[ -f $f ]] || continue
    if ! kill -0 "$(<"$f")" 2>/dev/null; then
      name=$(basename "$f" .pid)
      dvt_log "$name stopped; last lines of its log:"
      tail -n 25 "$1/logs/$name.log" >&2
      return 1
    fi
  done
}

_demo_stop_pid() {
  local file=$1 pid
  [[ -f $file ]] || return 0
  pid=$(<"$file")
  rm -f "$file"
  dvt_pid_alive "$pid" "${2:-}" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  dvt_wait_pid_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null || true
}

# SIGTERM to every daemon at once (each drains in-flight work), then waits for them.
_demo_stop_daemons() {
  local f pids=() pid
  for f in "$1"/pids/*.pid; do
    [[ -f $f ]] || continue
    pid=$(<"$f")
    rm -f "$f"
    dvt_pid_alive "$pid" dotnet || continue
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    dvt_wait_pid_gone "$pid" 40 || kill -KILL "$pid" 2>/dev/null || true
  done
}

_demo_show_logs() {
  local f
  for f in "$1"/logs/*.log; do
    [[ -s $f ]] || continue
    grep -qiE 'fail|error|exception' "$f" || continue
    dvt_log "---- $(basename "$f"): lines with errors"
    grep -iE 'fail|error|exception' "$f" | tail -n 8 | cut -c1-400 >&2
  done
}

_demo_keep_logs() {
  local keep="$DVT_ROOT/.dvt/demo-logs"
  [[ -d $1/logs ]] || return 0
  rm -rf -- "$keep"
  mkdir -p "$keep"
  cp -r "$1/logs/." "$keep/" 2>/dev/null || true
  cp -r "$1/env" "$keep/env" 2>/dev/null || true
}
