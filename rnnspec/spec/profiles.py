"""Hypothesis settings profiles: how many examples each run draws.

Every profile is deterministic given a seed (the runner seeds each property), keeps no example
database, and has no deadline: timings on shared machines are noise, not defects. Profiles are
applied to rnnspec's properties only, never loaded globally, so a user's own Hypothesis
settings stay as they are.
"""

from __future__ import annotations

import contextlib
import importlib

from hypothesis import HealthCheck, Phase, Verbosity, settings

__all__ = ["PROFILES", "hypothesis_settings", "independent_of_loaded_code"]

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


_OWN_CACHE: list = []  # the constants cache rnnspec's runs use (with no local constants in it)


@contextlib.contextmanager
def independent_of_loaded_code():
    """Inside, Hypothesis draws as if no code of the user's (or rnnspec's) were loaded. Hypothesis
    (6.13x and later, ``hypothesis.internal.conjecture.providers``) mixes literals mined from the
    source of every non-library module in ``sys.modules`` into what it draws, so the same seed gave
    other cases depending on which modules a run had imported (importing rnnspec's CLI in a test
    changed whether a planted defect was found). For a run that depends on its seed alone, the
    mined constants are empty here, and the cache of constants is rnnspec's own; both are put back
    after. Where Hypothesis has no such mining (older versions), nothing changes."""
    try:
        providers = importlib.import_module("hypothesis.internal.conjecture.providers")
        mine, cache_type = providers._get_local_constants, type(providers.CONSTANTS_CACHE)
        empty = type(providers._local_constants)(**{name: type(value)() if name != "floats" else
                                                     type(value)(key=providers.float_to_int)
                                                     for name, value in vars(providers._local_constants).items()})
    except (ImportError, AttributeError, TypeError):
        yield
        return
    if not _OWN_CACHE:
        _OWN_CACHE.append(cache_type(1024))
    cache = providers.CONSTANTS_CACHE
    providers._get_local_constants, providers.CONSTANTS_CACHE = (lambda: empty), _OWN_CACHE[0]
    try:
        yield
    finally:
        providers._get_local_constants, providers.CONSTANTS_CACHE = mine, cache
