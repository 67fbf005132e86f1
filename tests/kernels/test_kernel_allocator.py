"""The allocator setting that keeps a step's freed arrays for reuse."""

import platform

import pytest

from convstudio.kernels import allocator


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_thresholds_are_set_on_glibc(monkeypatch):
    for name in allocator._SETTINGS:
        monkeypatch.delenv(name, raising=False)
    assert allocator.keep_freed_memory()


def test_settings_from_the_environment_are_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert not allocator.keep_freed_memory()
