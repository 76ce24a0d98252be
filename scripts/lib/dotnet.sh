# shellcheck shell=bash
# Build once, test without rebuilding, and count the results from the trx files of all test
# assemblies so the closing line is one sum however many projects ran.

dvt_build_solution() {
  dvt_run_child dotnet build "$DVT_ROOT/DvtBus.sln" -c Release
}

# Runs the tests, trx files into $1; extra arguments go to dotnet test.
dvt_test_solution() {
  local results=$1
  shift
  dvt_run_child dotnet test "$DVT_ROOT/DvtBus.sln" -c Release --no-build \
    --blame-hang-timeout 15m --logger trx --results-directory "$results" "$@"
}

# Prints "passed failed skipped" summed over every trx file under $1. Each test case is one
# UnitTestResult element; NotExecuted is xunit's skip; any outcome that is neither a pass nor a
# skip (Failed, Error, Timeout, Aborted...) counts as a failure.
dvt_count_trx() {
  local results=$1 passed=0 failed=0 skipped=0 outcome f
  while IFS= read -r -d '' f; do
    while IFS= read -r outcome; do
      case $outcome in
        Passed) passed=$((passed + 1)) ;;
        NotExecuted) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
      esac
    done < <(grep -o '<UnitTestResult [^>]*>' "$f" | sed -n 's/.* outcome="\([A-Za-z]*\)".*/\1/p')
  done < <(find "$results" -name '*.trx' -print0 2>/dev/null)
  printf '%d %d %d\n' "$passed" "$failed" "$skipped"
}

# Keeps a failed run's results (trx files, and the blame collector's sequence files that name the test a
# crashed or hung host was running) in .dvt/test-results, replacing the last ones; hang dumps are left out
# (hundreds of MB each). The run's own folder is removed with its services.
dvt_keep_results() {
  local results=$1 kept=$DVT_ROOT/.dvt/test-results
  [[ -d $results ]] || return 0
  rm -rf -- "$kept"
  mkdir -p "$kept"
  (cd "$results" && find . -type f \( -name '*.trx' -o -name 'Sequence_*.xml' \) -exec cp --parents {} "$kept" \;) || true
  dvt_log "results of the failed run kept in ${kept#"$DVT_ROOT"/}"
}

# Prints the first line of every run-level error in the trx files under $1 (a test host that
# crashed or could not start): such a run fails without any failed test to show for it. xunit's
# own [FAIL] lines land there too and are left out: the failed tests are counted already.
dvt_report_run_errors() {
  local results=$1 f line
  while IFS= read -r -d '' f; do
    while IFS= read -r line; do
      dvt_log "run error: ${line:0:300}"
    done < <(grep -A1 '<RunInfo [^>]*outcome="Error"' "$f" | sed -n 's/^ *<Text>//p' |
      grep -v '^\[xUnit\.net' | sed 's|</Text>$||')
  done < <(find "$results" -name '*.trx' -print0 2>/dev/null)
}
