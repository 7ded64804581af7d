"""Hypothesis settings profiles: how many examples each run draws.

Every profile is deterministic given a seed (the runner seeds each property), keeps no example
database, and has no deadline: timings on shared machines are noise, not defects. Profiles are
applied to rnnspec's properties only, never loaded globally, so a user's own Hypothesis
settings stay as they are.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, Verbosity, settings

__all__ = ["PROFILES", "hypothesis_settings"]

PROFILES: dict[str, int] = {  # profile -> examples per property
    "quick": 8,
    "default": 25,
    "thorough": 200,
}


def hypothesis_settings(max_examples: int) -> settings:
    """Hypothesis settings for one property run of ``max_examples`` examples. Quiet: rnnspec's own
    failure says the case, the other draws and the replay command."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        print_blob=False,
        verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),  # no slow "explain"
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.differing_executors],
    )
