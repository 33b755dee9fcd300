"""sqoop-bridge: Sqoop 1.4.7's tools (import, export, job, …) between MariaDB and HDFS."""

import contextlib

# mysql-connector's C extension links the OpenSSL 3.2+ bundled in its wheel, under the same soname
# as the system's libssl.so.3 (3.0 here). Once Python's `ssl` has loaded the system library, the
# extension cannot load; loaded first, both share the bundled one. So it is imported here, before
# anything imports `ssl`; where that is too late (e.g. under pytest) the pure-Python client is used.
with contextlib.suppress(ImportError):
    import _mysql_connector  # noqa: F401
