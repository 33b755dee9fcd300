"""What can go wrong in a batch command; every message is one line a user can act on."""

from __future__ import annotations


class BatchError(Exception):
    """A batch command failed; the message is one line."""


class DataIncomplete(BatchError):
    """A day's archive is not complete: the message names the topics and hours that are missing."""


class Unavailable(BatchError):
    """A source (a layer of reconcile, an optional input) cannot be read right now."""
