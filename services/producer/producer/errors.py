"""What can stop the producer; each carries the one line the command prints and its exit code."""

from __future__ import annotations


class ProducerError(Exception):
    """A failure the command reports as one line on stderr, exiting with ``exit_code``."""

    exit_code = 1


class CatalogueError(ProducerError):
    """The catalogue cannot be used (a bad row, an empty table when one was required)."""


class KafkaUnavailable(ProducerError):
    """Kafka could not be reached within the connect timeout, or a topic is missing."""


class SendRejected(ProducerError):
    """The sink refused a message outright (no buffer space or metadata within its blocking limit)."""


class DeliveryFailed(ProducerError):
    """The broker did not acknowledge sends within the delivery timeout."""
