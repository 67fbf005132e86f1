"""Suite-wide settings: property tests are deterministic and free of wall-clock deadlines.

Shared 2-core machines make timings noisy, and CI must not fail on a random draw that a
local run never saw; run `pytest --hypothesis-profile=explore` to search with fresh seeds.
"""
from hypothesis import HealthCheck, settings

settings.register_profile("repeatable", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("repeatable")
