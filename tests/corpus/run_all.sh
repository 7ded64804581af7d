#!/usr/bin/env bash
# Runs every script of the corpus, one at a time, and prints its verdict line and exit code.
# confirm_*: exit 0 = the finding reproduces; check_*: exit 0 = the stated agreement or attribution holds.
cd "$(dirname "$0")"
status=0
for f in confirm_*.py check_*.py; do
    out=$(python "$f" 2>/dev/null); code=$?
    verdict=$(grep -E "^(FINDING CONFIRMED|NOT THESE TARGETS|AGREES|DISAGREES|FOUND|ATTRIBUTED|not reproduced|not as stated)" <<<"$out" | tail -1)
    printf '%-56s exit %s  %s\n' "$f" "$code" "${verdict:0:100}"
    [ "$code" = 0 ] || status=1
done
exit $status
