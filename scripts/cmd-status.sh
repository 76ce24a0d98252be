# shellcheck shell=bash
# ./dvt status [--url URL] [--limit N]: the operator's batches as a table, newest first, read from the
# operator's GET /batches. The URL is --url, else $DVT_OPERATOR_URL, else the operator's configured
# listen address: Urls in $DVT_OPERATOR_ENV, else /etc/dvtbus/operator.env (the systemd unit's), else
# compose/env/operator.env. Exits 1 with one line naming the URL when the operator cannot be read.

dvt_status_usage() {
  cat <<'USAGE'
usage: ./dvt status [--url URL] [--limit N]

  --url URL    the operator's base URL (default: $DVT_OPERATOR_URL, else Urls from the operator's
               env file: $DVT_OPERATOR_ENV, /etc/dvtbus/operator.env or compose/env/operator.env)
  --limit N    newest N batches, 1 to 1000 (default 50)
USAGE
}

# The first address of an ASP.NET Urls value, with a wildcard host turned into loopback.
dvt_status_url_from_env_file() {
  local file=$1 urls
  urls=$(sed -n 's/^[[:space:]]*Urls[[:space:]]*=[[:space:]]*//p' "$file" | tail -n 1)
  urls=${urls%%;*}
  urls=${urls//[\"\']/}
  [[ -n $urls ]] || return 1
  printf '%s\n' "$urls" | sed -E 's#^(https?://)(0\.0\.0\.0|\[::\]|\*|\+)(:|/|$)#\1127.0.0.1\3#'
}

dvt_status_default_url() {
  local file
  if [[ -n ${DVT_OPERATOR_URL:-} ]]; then
    printf '%s\n' "$DVT_OPERATOR_URL"
    return 0
  fi
  for file in "${DVT_OPERATOR_ENV:-}" /etc/dvtbus/operator.env "$DVT_ROOT/compose/env/operator.env"; do
    [[ -n $file && -r $file ]] || continue
    dvt_status_url_from_env_file "$file" && return 0
  done
  return 1
}

dvt_cmd_status() {
  local url="" limit=50 body rc
  while (($# > 0)); do
    case $1 in
      --url) (($# > 1)) || { echo "./dvt status: --url needs a value" >&2; return 2; }; url=$2; shift 2 ;;
      --url=*) url=${1#*=}; shift ;;
      --limit) (($# > 1)) || { echo "./dvt status: --limit needs a value" >&2; return 2; }; limit=$2; shift 2 ;;
      --limit=*) limit=${1#*=}; shift ;;
      -h | --help) dvt_status_usage; return 0 ;;
      *) echo "./dvt status: unknown option $1" >&2; dvt_status_usage >&2; return 2 ;;
    esac
  done
  if ! [[ $limit =~ ^[0-9]+$ ]] || ((limit < 1 || limit > 1000)); then
    echo "./dvt status: --limit must be a number from 1 to 1000, not '$limit'" >&2
    return 2
  fi
  for tool in curl jq column; do
    command -v "$tool" >/dev/null || { echo "./dvt status needs $tool (apt-get install curl jq bsdextrautils)" >&2; return 1; }
  done
  if [[ -z $url ]] && ! url=$(dvt_status_default_url); then
    echo "./dvt status: no operator URL: pass --url, set DVT_OPERATOR_URL, or set Urls in the operator's env file" >&2
    return 2
  fi
  url=${url%/}

  rc=0
  body=$(curl --silent --show-error --fail --max-time 10 "$url/batches?limit=$limit" 2>&1) || rc=$?
  if ((rc != 0)); then
    echo "./dvt status: the operator at $url is unreachable or failed: ${body:-curl exit $rc}" >&2
    return 1
  fi
  if ! jq -e '.batches | type == "array"' >/dev/null 2>&1 <<<"$body"; then
    echo "./dvt status: $url/batches did not answer with a batch list (is $url the operator?)" >&2
    return 1
  fi
  if jq -e '.batches | length == 0' >/dev/null <<<"$body"; then
    echo "no batches yet at $url"
    return 0
  fi

  # Tabs separate the columns; the failure reason is last, so its own spaces do not matter.
  jq -r --argjson now "$(date +%s)" '
    def age($t): ($now - ($t | sub("\\.[0-9]+"; "") | if endswith("Z") then . else . + "Z" end | fromdateiso8601)) as $s
      | if $s < 120 then "\($s | floor)s" elif $s < 7200 then "\($s / 60 | floor)m"
        elif $s < 172800 then "\($s / 3600 | floor)h" else "\($s / 86400 | floor)d" end;
    def clean: tostring | gsub("[\t\n\r]"; " ");
    (["ID", "FILE", "VALIDATORS", "STATE", "START", "TX HASH", "AGE", "FAILURE"] | join("\t")),
    (.batches[] | [
      .batchId, (.file | clean), .validators, .state, (.startIndex // "-"), (.transactionHash // "-"),
      age(.createdAt), ((.failure // "-") | clean)
    ] | map(tostring) | join("\t"))
  ' <<<"$body" | column -t -s $'\t' -l 8
}
