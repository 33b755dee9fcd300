"""souk's batch layer: Spark views over the Parquet lake, SQL, the daily pipeline, the report, reconcile."""
