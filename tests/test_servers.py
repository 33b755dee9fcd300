"""The real servers, used together the way the services use them."""

from __future__ import annotations

import io
import time
import uuid
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from souk.contract import Purchase, PurchaseLine, decode_purchase, encode, encode_key, new_event_id
from souk.testing import poll_until


def _purchase() -> Purchase:
    lines = (
        PurchaseLine(product_id="P-0001", category="Electronics", quantity=2, unit_price=Decimal("499.99")),
        PurchaseLine(product_id="P-0042", category="Home & Garden", quantity=1, unit_price=Decimal("120.50")),
    )
    return Purchase(
        event_id=new_event_id(),
        event_time_ms=int(time.time() * 1000),
        order_id="O-1",
        session_id="S-1",
        user_id="U-1",
        city="Fès",
        payment_method="Cash on Delivery",
        lines=lines,
        total=Decimal("1120.48"),
    )


def test_contract_event_round_trips_through_kafka(stack, topics):
    from kafka import KafkaConsumer, KafkaProducer

    sent = _purchase()
    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_bootstrap, enable_idempotence=True, acks="all")
    metadata = producer.send(topics.purchases, key=encode_key(sent), value=encode(sent)).get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(
        topics.purchases,
        bootstrap_servers=stack.settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    try:
        records = poll_until(lambda: [r for batch in consumer.poll(timeout_ms=500).values() for r in batch], "the purchase")
    finally:
        consumer.close()
    (record,) = records
    assert record.partition == metadata.partition
    assert record.key == b"S-1"
    assert decode_purchase(record.value) == sent


def test_topics_follow_the_design(stack, topics):
    from souk.contract import TOPICS

    admin = stack.kafka_admin()
    try:
        described = {d["name"]: len(d["partitions"]) for d in admin.describe_topics([topics.prefix + t.base for t in TOPICS])}
        from kafka.admin import ConfigResource, ConfigResourceType

        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topics.clicks)])
    finally:
        admin.close()
    assert described == {topics.prefix + t.base: t.partitions for t in TOPICS}
    assert configs["topic"][topics.clicks]["retention.ms"]["value"] == str(7 * 24 * 3600 * 1000)


def test_file_round_trips_through_webhdfs(stack, hdfs_tmpdir):
    client = stack.hdfs()
    payload = "Fès, Marrakech\n".encode() * 1000
    path = f"{hdfs_tmpdir}/hello.txt"
    client.write(path, data=payload)
    with client.read(path) as reader:
        assert reader.read() == payload
    assert client.status(path)["length"] == len(payload)


def test_mariadb_round_trip(stack, mysql_database):
    conn = stack.mysql(mysql_database)
    try:
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, city VARCHAR(40), amount DECIMAL(12,2), at DATETIME(3))")
        cur.execute("INSERT INTO t VALUES (%s, %s, %s, %s)", (1, "Fès", Decimal("245.50"), "2026-01-02 03:04:05.678"))
        conn.commit()
        cur.execute("SELECT id, city, amount, CAST(at AS CHAR) FROM t")
        assert cur.fetchall() == [(1, "Fès", Decimal("245.50"), "2026-01-02 03:04:05.678")]
    finally:
        conn.close()


def test_pyspark_reads_parquet_from_hdfs(stack, hdfs_tmpdir, spark):
    table = pa.table(
        {
            "event_id": [str(uuid.uuid4()) for _ in range(3)],
            "total": pa.array([Decimal("10.00"), Decimal("245.50"), Decimal("1000.01")], type=pa.decimal128(12, 2)),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy")
    stack.hdfs().write(f"{hdfs_tmpdir}/date=2026-11-26/part-0.parquet", data=buffer.getvalue())

    frame = spark.read.parquet(f"{stack.settings.hdfs_rpc_url}{hdfs_tmpdir}")
    rows = frame.orderBy("total").collect()
    assert [r["total"] for r in rows] == [Decimal("10.00"), Decimal("245.50"), Decimal("1000.01")]
    assert {str(r["date"]) for r in rows} == {"2026-11-26"}
