"""Test helpers every service's tests use: the real-stack fixtures and `poll_until`."""

from souk.testing.poll import poll_until

__all__ = ["poll_until"]
