"""The local stack of real servers (Kafka, HDFS, MariaDB, Flume) and the services, supervised.

Config templates and the jars' pom live in the repository's `stack/` folder; this package
renders them, installs what is missing, starts components in dependency order and checks
their health.
"""
