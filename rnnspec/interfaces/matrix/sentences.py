"""Each discrepancy of the matrix as a sentence, written from the rows' fields: the target, its
framework and dtype (once), the property and its claim, what went wrong, and the adapter's note."""

from __future__ import annotations

from rnnspec.checking.failures import ORIGINS, Failure
from rnnspec.running.verdicts import Status, Verdict

__all__ = ["sentence", "discrepancies"]


def sentence(row: dict, verdict: Verdict) -> str:
    """One failing verdict of a row, as a sentence."""
    api = row.get("api") or row["target"]  # the call as users write it, then the target to replay
    name = api if api == row["target"] else f"{api} ({row['target']})"
    label = f"{name} [{row['framework']} {row.get('framework_version') or ''}".rstrip() + \
        (f", {row['dtype']}]" if row["dtype"] != "all" else "]")
    failure = verdict.failure or Failure(verdict.reason or verdict.status.value)
    what = ORIGINS[failure.origin] + failure.headline
    verb = "does not satisfy" if verdict.status is Status.FAILED else "could not be checked on"
    text = f"{label} {verb} {verdict.id} ({verdict.claim}): {what}"
    return text + (f". Adapter's note: {row['notes']}" if row.get("notes") else "")


def discrepancies(matrix: dict) -> list[str]:
    """Every failing verdict of every row, in row order."""
    return [sentence(row, v) for row in matrix["rows"] for v in map(Verdict.from_dict, row["properties"].values())
            if v.status.is_failure]
