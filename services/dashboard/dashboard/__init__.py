"""souk's dashboard: a read-only Dash app over the processor's views, Kafka, HDFS, Flume and MySQL."""
