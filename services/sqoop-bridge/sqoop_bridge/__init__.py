"""sqoop-bridge: Sqoop 1.4.7's tools (import, export, job, …) between MariaDB and HDFS."""
