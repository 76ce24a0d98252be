# shellcheck shell=bash
# RabbitMQ and PostgreSQL together under one base folder, plus the environment the tests and
# daemons read to find them (written to <base>/services.env).
#
#   dvt_services_start <base>     picks free ports, starts both, writes <base>/services.env
#   dvt_services_stop <base>
#   dvt_services_print <base>     connection strings and the management UI address

dvt_services_start() {
  local base=$1 amqp mgmt pg
  # PostgreSQL's socket directory setting and RabbitMQ's environment split on white space.
  if [[ $base =~ [[:space:]] ]]; then
    dvt_log "the services' folder $base has white space in its path, which PostgreSQL and RabbitMQ cannot use: point TMPDIR elsewhere"
    return 1
  fi
  dvt_pick_port amqp
  dvt_pick_port mgmt
  dvt_pick_port pg
  postgres_start "$base" "$pg" || return 1
  rabbitmq_start "$base" "$amqp" "$mgmt" || return 1
  cat >"$base/services.env" <<ENV
export DVT_RABBITMQ_HOST='127.0.0.1'
export DVT_RABBITMQ_PORT='$amqp'
export DVT_RABBITMQ_MANAGEMENT_PORT='$mgmt'
export DVT_RABBITMQ_USER='guest'
export DVT_RABBITMQ_PASSWORD='guest'
export DVT_POSTGRES='Host=127.0.0.1;Port=$pg;Username=postgres;Database=postgres'
export DVT_SERVICES='1'
ENV
}

dvt_services_stop() {
  local base=$1
  rabbitmq_stop "$base"
  postgres_stop "$base"
}

dvt_services_running() {
  local base=$1
  rabbitmq_running "$base" && postgres_running "$base"
}

# Removes a base folder, but only one that holds our services (a guard against a bad path).
dvt_remove_base() {
  local base=$1
  [[ -n $base && -d $base && ( -d $base/rabbitmq || -d $base/postgres || -f $base/.dvtbus ) ]] || return 0
  rm -rf -- "$base"
}

dvt_services_print() {
  local base=$1
  (
    # shellcheck disable=SC1091
    . "$base/services.env"
    local pg_port=${DVT_POSTGRES#*Port=}
    pg_port=${pg_port%%;*}
    printf 'RabbitMQ       amqp://%s:%s@%s:%s/\n' "$DVT_RABBITMQ_USER" "$DVT_RABBITMQ_PASSWORD" \
      "$DVT_RABBITMQ_HOST" "$DVT_RABBITMQ_PORT"
    printf 'Management UI  http://%s:%s/  (%s / %s)\n' "$DVT_RABBITMQ_HOST" "$DVT_RABBITMQ_MANAGEMENT_PORT" \
      "$DVT_RABBITMQ_USER" "$DVT_RABBITMQ_PASSWORD"
    printf 'PostgreSQL     %s\n' "$DVT_POSTGRES"
    printf '               psql -h 127.0.0.1 -p %s -U postgres\n' "$pg_port"
  )
}
