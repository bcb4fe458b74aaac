#!/usr/bin/env bash
# `make test`: the whole suite as two pytest processes at once, each running its part
# (pytest-split, parts balanced by the durations kept in tests/durations.json). One run
# leaves about 40 % of a 2-core machine idle while tests wait on brokers, browsers and child
# processes. Every test is isolated already (its own virtual host, databases, folder and
# ports); part N has its own private RabbitMQ node (tests/integration/private_rabbitmq.py).
#
# With arguments it is one plain pytest run: `make test PYTEST_ARGS="tests/ledger -x"`.
# TEST_PARTS=1 runs everything in one process. STORE_DURATIONS=1 refreshes
# tests/durations.json from this run's timings.
set -uo pipefail
cd "$(dirname "$0")/.."
pytest=.venv/bin/pytest
if (($#)); then exec "$pytest" "$@"; fi

parts=${TEST_PARTS:-2}
logs=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; exit 130' INT TERM

run_part() {
  local part=$1 durations=tests/durations.json store=()
  if [[ ${STORE_DURATIONS:-} == 1 ]]; then
    durations=$logs/durations-$part.json
    cp tests/durations.json "$durations" 2>/dev/null || echo '{}' > "$durations"
    store=(--store-durations --clean-durations)
  fi
  DDRR_TEST_SHARD=$part "$pytest" --splits "$parts" --group "$part" --splitting-algorithm least_duration \
    --durations-path="$durations" "${store[@]}"
}

for part in $(seq 2 "$parts"); do
  run_part "$part" > "$logs/part-$part.log" 2>&1 &
  pids+=($!)
done
run_part 1 2>&1 | tee "$logs/part-1.log"
statuses=("${PIPESTATUS[0]}")
for index in "${!pids[@]}"; do
  wait "${pids[$index]}"
  statuses+=($?)
  echo "================ part $((index + 2)) of $parts ================"
  cat "$logs/part-$((index + 2)).log"
done

if [[ ${STORE_DURATIONS:-} == 1 ]]; then
  .venv/bin/python -c 'import json, sys
merged = {}
for path in sys.argv[1:]:
    merged.update(json.load(open(path)))
json.dump(merged, open("tests/durations.json", "w"), indent=1, sort_keys=True)' "$logs"/durations-*.json
fi

failed=0
for part in $(seq 1 "$parts"); do
  echo "part $part of $parts: $(grep -E '^=+ .*(passed|failed|error|no tests ran).* in ' "$logs/part-$part.log" | tail -1)"
  ((statuses[part - 1] == 0)) || failed=1
done
rm -rf "$logs"
exit "$failed"
