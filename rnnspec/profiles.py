"""Hypothesis settings profiles: how many examples each run draws.

Every profile is deterministic given a seed (the runner seeds each property), keeps no example
database, and has no deadline: timings on shared machines are noise, not defects. Profiles are
applied to rnnspec's properties only, never loaded globally, so a user's own Hypothesis
settings stay as they are.
"""

from __future__ import annotations

import hypothesis
from hypothesis import HealthCheck, Phase, settings

__all__ = ["PROFILES", "settings_for", "prepare"]

PROFILES: dict[str, int] = {  # profile -> examples per property
    "quick": 8,
    "default": 25,
    "thorough": 200,
}

_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=False,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),  # no slow "explain"
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.differing_executors],
)


def settings_for(profile: str, *, max_examples: int | None = None) -> settings:
    """The settings of ``profile`` (optionally with another example count)."""
    if profile not in PROFILES:
        raise ValueError(f"profile={profile!r} is not one of {sorted(PROFILES)}")
    if max_examples is not None and max_examples < 1:
        raise ValueError(f"max_examples={max_examples} must be at least 1")
    return settings(max_examples=max_examples or PROFILES[profile], **_COMMON)


def prepare(test, *, profile: str, max_examples: int | None = None, seed: int = 0):
    """Give a property's Hypothesis test these settings and this seed, for its next runs.

    (What ``@settings`` and ``@seed`` do at decoration time; done per run, so one process can
    run properties under several profiles and seeds.)
    """
    hypothesis.seed(seed)(test)
    test._hypothesis_internal_use_settings = settings_for(profile, max_examples=max_examples)
    return test
