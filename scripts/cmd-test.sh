# shellcheck shell=bash
# ./dvt test [dotnet test args]: install what is missing, start throwaway services, build once,
# run every test assembly against them, stop everything, close on "N passed, N failed".

dvt_cmd_test() {
  local t base build_rc=0 test_rc=0 passed=0 failed=0 skipped=0
  dvt_install_traps

  t=$(dvt_now)
  dvt_ensure_packages
  dvt_ensure_npm_peers
  dvt_phase_done install "$t"

  t=$(dvt_now)
  base=$(mktemp -d "${TMPDIR:-/tmp}/dvtbus-test.XXXXXX")
  : >"$base/.dvtbus"
  dvt_at_exit "dvt_remove_base '$base'"
  dvt_at_exit "dvt_services_stop '$base'"
  dvt_services_start "$base" || dvt_die "services did not start"
  # shellcheck disable=SC1091
  . "$base/services.env"
  dvt_log "services up: RabbitMQ 127.0.0.1:$DVT_RABBITMQ_PORT (management $DVT_RABBITMQ_MANAGEMENT_PORT), PostgreSQL ${DVT_POSTGRES}"
  dvt_phase_done services "$t"

  t=$(dvt_now)
  dvt_build_solution || build_rc=$?
  dvt_phase_done build "$t"

  if ((build_rc == 0)); then
    t=$(dvt_now)
    dvt_test_solution "$base/results" "$@" || test_rc=$?
    dvt_phase_done tests "$t"
    read -r passed failed skipped < <(dvt_count_trx "$base/results")
    dvt_report_run_errors "$base/results"
    if ((test_rc != 0 && failed == 0)); then
      # A test host that crashed or hung reports no result for the test it was running: that test failed.
      dvt_log "the run failed without a failed test (a test host crashed or hung): counted as 1 failed"
      failed=1
    fi
    if ((test_rc != 0 || failed > 0)); then dvt_keep_results "$base/results"; fi
  else
    dvt_log "build failed (exit $build_rc): no tests ran"
  fi

  # Stopped here rather than in the exit trap so that the count stays the last line printed.
  t=$(dvt_now)
  dvt_cleanup_now
  dvt_phase_done stop "$t"
  dvt_print_timings

  local rc=0
  if ((build_rc != 0)); then
    rc=1
  elif ((test_rc != 0)); then
    dvt_log "dotnet test exited with code $test_rc"
    rc=1
  fi
  if ((failed > 0)); then rc=1; fi
  if ((passed + failed == 0)); then
    dvt_log "no test ran"
    rc=1
  fi
  if ((skipped > 0)); then
    printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
  else
    printf '%d passed, %d failed\n' "$passed" "$failed"
  fi
  return "$rc"
}
