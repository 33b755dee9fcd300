"""archiver: an exactly-once Kafka → HDFS Parquet archiver for clicks, purchases and inventory."""
