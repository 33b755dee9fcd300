"""The two kinds of failure a tool reports: a bad command line (exit 2) and a failed run (exit 1)."""

from __future__ import annotations


class SqoopError(Exception):
    """A run failed (server, data, HDFS); the message is one line. Exit status 1."""

    exit_code = 1


class UsageError(SqoopError):
    """The command line asks for something invalid or unsafe; one line, exit status 2."""

    exit_code = 2
