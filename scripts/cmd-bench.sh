# shellcheck shell=bash
# ./dvt bench <name> [args]: the BenchmarkDotNet runner in Release; the npm peers come first
# because the benchmarks compare against them.

dvt_cmd_bench() {
  (($# > 0)) || {
    echo "usage: ./dvt bench bls [benchmark args]" >&2
    return 2
  }
  dvt_install_traps
  dvt_ensure_npm_peers
  dvt_run_child dotnet run -c Release --project "$DVT_ROOT/bench/Bench" -- "$@"
}
