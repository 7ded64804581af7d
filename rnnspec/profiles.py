"""Hypothesis settings profiles: how many examples each run draws.

Every profile is deterministic given ``--seed`` (the runner seeds each property), keeps no
example database, and has no deadline: timings on shared machines are noise, not defects.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

__all__ = ["PROFILES", "load"]

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

for _name, _n in PROFILES.items():
    settings.register_profile(f"rnnspec-{_name}", max_examples=_n, **_COMMON)


def load(name: str, *, max_examples: int | None = None) -> None:
    """Make ``name`` (optionally with another example count) the active Hypothesis profile."""
    if name not in PROFILES:
        raise ValueError(f"profile={name!r} is not one of {sorted(PROFILES)}")
    if max_examples is None:
        settings.load_profile(f"rnnspec-{name}")
    else:
        settings.register_profile("rnnspec-custom", parent=settings.get_profile(f"rnnspec-{name}"),
                                  max_examples=max_examples)
        settings.load_profile("rnnspec-custom")
