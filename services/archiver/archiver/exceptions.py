"""The archiver's own exceptions."""


class ArchiverError(Exception):
    """Base of the archiver's errors; the message is one line meant for the log and stderr."""


class GaveUp(ArchiverError):
    """A server (HDFS or Kafka) stayed unreachable past the retry budget: exit non-zero, restart resumes."""
