"""Browser tests (dash[testing], headless Chromium) of every page over the real stack.

Each test gets its own topics (prefix), HDFS directory or database; components that must be
"down" are addresses nobody listens on or a stand-in server the test stops, never shared servers.
Screenshots of each page go to SOUK_HOME/test-results/screenshots/.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request
from decimal import Decimal

from souk.contract import Alert, Kpi, encode, encode_key, new_event_id
from souk.stack.settings import stack_settings

NO_ERROR_PAGE = "#page"
FAILURES = stack_settings().path("test-results", "screenshots", "failures")


def now_ms() -> int:
    return int(time.time() * 1000)


def wait_text(dash_duo, selector: str, predicate, what: str, timeout: float = 40.0) -> str:
    """Poll an element's text until ``predicate(text)``; the last text is in the failure message."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = dash_duo.driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", selector)
        if predicate(text):
            return text
        time.sleep(0.2)
    failed = FAILURES / f"{what.replace(' ', '-')}"
    failed.parent.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.save_screenshot(f"{failed}.png")
    failed.with_suffix(".html").write_text(dash_duo.driver.page_source, encoding="utf-8")
    raise AssertionError(f"{what}: {selector} text was {text!r} (screenshot {failed}.png)")


def table_rows(dash_duo, selector: str, rows: str = "tbody tr") -> list[list[str]]:
    """Cell texts read in one script call, so a table redrawn by an interval cannot go stale midway."""
    script = (
        "return Array.from(document.querySelectorAll(arguments[0] + ' ' + arguments[1]))"
        ".map(r => Array.from(r.cells).map(c => c.innerText.trim()));"
    )
    return dash_duo.driver.execute_script(script, selector, rows)


def assert_no_error_page(dash_duo) -> None:
    assert dash_duo.driver.find_elements("css selector", "nav a"), "navigation bar missing"
    assert not dash_duo.driver.find_elements("css selector", ".dash-fe-error__title"), "Dash error overlay shown"
    assert dash_duo.driver.find_elements("css selector", NO_ERROR_PAGE)


def test_live_page_follows_the_processor_and_the_feed(
    dash_duo, topics, fake_json, processor_views, produce, dashboard_factory, port, screenshots
):
    processor = fake_json(processor_views(orders=3, revenue="1234.50"))
    kpi = Kpi(
        event_id=new_event_id(), event_time_ms=now_ms(), name="revenue_total", value=Decimal("1234.50"), labels=(("currency", "MAD"),)
    )
    alert = Alert(
        event_id=new_event_id(),
        event_time_ms=now_ms(),
        kind="low_stock",
        message="P-001 is low: 3 left",
        product_id="P-001",
        stock_level=3,
        threshold=10,
    )
    produce(topics.kpis, [(encode_key(kpi), encode(kpi))])
    produce(topics.alerts, [(encode_key(alert), encode(alert))])
    app, _ = dashboard_factory(SOUK_TOPIC_PREFIX=topics.prefix, PROCESSOR_URL=processor.url)
    dash_duo.start_server(app, port=port)

    wait_text(dash_duo, "#live-orders", lambda t: t == "3", "#live-orders shows 3")
    wait_text(dash_duo, "#live-revenue", lambda t: t == "1,234.50 MAD", "#live-revenue shows 1,234.50 MAD")
    wait_text(dash_duo, "#live-basket", lambda t: t == "411.50 MAD", "#live-basket shows 411.50 MAD")
    wait_text(dash_duo, "#live-alerts", lambda t: "P-001 is low: 3 left" in t, "alert feed")
    wait_text(dash_duo, "#live-kpis", lambda t: "revenue_total" in t and "1234.50" in t, "kpi table")
    assert [row[0] for row in table_rows(dash_duo, "#live-stock-grid", "tr.low")] == ["P-001"]
    wait_text(dash_duo, "#live-top-grid", lambda t: "P-001" in t, "top products")
    dash_duo.driver.save_screenshot(str(screenshots / "live.png"))

    processor.routes.update(processor_views(orders=5, revenue="2000.00"))
    wait_text(dash_duo, "#live-orders", lambda t: t == "5", "#live-orders shows 5")
    wait_text(dash_duo, "#live-revenue", lambda t: t == "2,000.00 MAD", "#live-revenue shows 2,000.00 MAD")

    later = Kpi(
        event_id=new_event_id(), event_time_ms=now_ms() + 1, name="revenue_total", value=Decimal("2000.00"), labels=(("currency", "MAD"),)
    )
    produce(topics.kpis, [(encode_key(later), encode(later))])
    wait_text(dash_duo, "#live-kpis", lambda t: "2000.00" in t and "1234.50" not in t, "kpi table keeps the latest value")

    processor.stop()  # the processor goes away mid-test: its panels say so, the page keeps running
    wait_text(dash_duo, "#live-processor-banner", lambda t: "processor unavailable" in t, "processor banner")
    wait_text(dash_duo, "#live-orders", lambda t: t == "—", "no stale figure while the processor is down")
    wait_text(dash_duo, "#live-alerts", lambda t: "P-001 is low" in t, "alerts stay while the processor is down")
    assert_no_error_page(dash_duo)
    dash_duo.driver.save_screenshot(str(screenshots / "live-processor-down.png"))


def test_topics_page_matches_the_admin_api(dash_duo, stack, topics, produce, dashboard_factory, port, screenshots):
    from kafka import KafkaConsumer, TopicPartition
    from kafka.admin import OffsetSpec
    from kafka.structs import OffsetAndMetadata

    for partition in range(3):
        produce(
            topics.clicks,
            [(f"s-{partition}-{i}", f'{{"n": {i}, "p": {partition}}}'.encode()) for i in range(5 + partition)],
            partition=partition,
        )
    produce(topics.clicks, [("needle-key", b'{"marker": "findme"}')], partition=4)
    group = f"{topics.prefix}viewer"
    committer = KafkaConsumer(bootstrap_servers=stack.settings.kafka_bootstrap, group_id=group, enable_auto_commit=False)
    committer.commit(
        {TopicPartition(topics.clicks, 0): OffsetAndMetadata(2, "", -1), TopicPartition(topics.clicks, 1): OffsetAndMetadata(6, "", -1)}
    )
    committer.close()

    admin = stack.kafka_admin()
    tps = [TopicPartition(topics.clicks, p) for p in range(6)]
    low = {tp.partition: o.offset for tp, o in admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in tps}).items()}
    high = {tp.partition: o.offset for tp, o in admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in tps}).items()}
    committed = {tp.partition: om.offset for tp, om in admin.list_group_offsets({group: None})[group].items()}
    admin.close()

    app, _ = dashboard_factory(SOUK_TOPIC_PREFIX=topics.prefix)
    dash_duo.start_server(app, port=port)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/topics")
    wait_text(dash_duo, "#topics-grid", lambda t: topics.clicks in t, "topics table")
    topic_row = next(r for r in table_rows(dash_duo, "#topics-grid") if r[0] == topics.clicks)
    assert topic_row[1:6] == ["6", "1", str(sum(low.values())), str(sum(high.values())), str(sum(high[p] - low[p] for p in range(6)))]
    partition_rows = {int(r[1]): r for r in table_rows(dash_duo, "#topics-partition-grid") if r[0] == topics.clicks}
    assert {p: (int(r[5]), int(r[6])) for p, r in partition_rows.items()} == {p: (low[p], high[p]) for p in range(6)}

    wait_text(dash_duo, "#topics-group-grid", lambda t: group in t, "group lag", timeout=40)
    lag_rows = {int(r[5]): r for r in table_rows(dash_duo, "#topics-group-grid") if r[0] == group}
    assert {p: (int(r[6]), int(r[7]), int(r[8])) for p, r in lag_rows.items()} == {
        p: (committed[p], high[p], high[p] - committed[p]) for p in committed
    }
    dash_duo.driver.save_screenshot(str(screenshots / "topics.png"))

    dash_duo.select_dcc_dropdown("#browse-topic", value=topics.clicks)
    dash_duo.find_element("#browse-key").send_keys("needle")
    dash_duo.find_element("#browse-fetch").click()
    wait_text(dash_duo, "#browse-messages", lambda t: "findme" in t, "message browser with key filter")
    assert len(dash_duo.driver.find_elements("css selector", "#browse-list .message")) == 1

    dash_duo.clear_input("#browse-key")
    dash_duo.find_element("input[value='earliest']").click()
    dash_duo.find_element("#browse-fetch").click()
    wait_text(dash_duo, "#browse-status", lambda t: t.startswith(f"{sum(high.values())} message(s)"), "browse from earliest")

    dash_duo.find_element("input[value='tail']").click()  # live tail: a new message shows up without clicking
    produce(topics.clicks, [("tail-key", b'{"marker": "tailed"}')], partition=5)
    wait_text(dash_duo, "#browse-messages", lambda t: "key=tail-key" in t, "live tail")
    dash_duo.driver.save_screenshot(str(screenshots / "topics-browser.png"))
    assert_no_error_page(dash_duo)


def _parquet(rows: list[dict]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out)
    return out.getvalue()


def test_lake_page_shows_hdfs_archive_flume_and_workers(
    dash_duo, stack, topics, hdfs_tmpdir, fake_json, processor_views, dashboard_factory, port, dead_port, tmp_path, screenshots
):
    hdfs = stack.hdfs()
    lake = f"{hdfs_tmpdir}/lake"
    hour = f"{lake}/clicks/date=2026-11-26/hour=10"
    for index in range(3):
        hdfs.write(f"{hour}/clicks+0+{index:020d}+{index:020d}.parquet", data=_parquet([{"event_id": str(index)}]))
    hdfs.write(f"{hour}/_SUCCESS", data=b"")
    flume = fake_json(
        {
            "/metrics": {
                "SOURCE.r1": {"EventReceivedCount": "42", "EventAcceptedCount": "42"},
                "CHANNEL.c1": {"ChannelFillPercentage": "12.5"},
            }
        }
    )
    processor = fake_json(processor_views())
    beat = tmp_path / "archiver.heartbeat"
    beat.write_text("archived clicks+0 up to 2\n")
    app, _ = dashboard_factory(
        SOUK_TOPIC_PREFIX=topics.prefix,
        LAKE_ROOT=lake,
        DASHBOARD_SMALL_FILES_WARN=3,
        FLUME_LOGS_PORT=flume.port,
        FLUME_KAFKA_PORT=dead_port,
        ARCHIVER_HEARTBEAT_FILE=beat,
        PROCESSOR_URL=processor.url,
    )
    dash_duo.start_server(app, port=port)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/lake")

    with urllib.request.urlopen(f"{stack.settings.hdfs_url}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState", timeout=5) as answer:
        jmx = json.load(answer)["beans"][0]
    wait_text(dash_duo, "#lake-cap-datanodes", lambda t: t == f"{jmx['NumLiveDataNodes']}/{jmx['NumDeadDataNodes']}", "capacity cards")
    wait_text(dash_duo, "#lake-hours-grid", lambda t: "clicks" in t, "archive table")
    assert table_rows(dash_duo, "#lake-hours-grid")[0][:4] == ["clicks", "2026-11-26", "10", "3"]
    assert dash_duo.driver.find_elements("css selector", "#lake-hours-grid tr.warn"), "3 small files must warn"
    wait_text(dash_duo, "#lake-flume-flume-logs", lambda t: "42" in t and "12.5 %" in t, "flume-logs metrics")
    wait_text(dash_duo, "#lake-flume", lambda t: "flume-kafka unavailable" in t, "flume-kafka banner")
    wait_text(dash_duo, "#lake-archiver-heartbeat", lambda t: "archived clicks+0 up to 2" in t, "archiver heartbeat")
    wait_text(dash_duo, "#lake-workers-grid", lambda t: "0, 1, 2" in t, "worker partitions")

    wait_text(dash_duo, "#lake-listing-grid", lambda t: "clicks/" in t, "directory browser")
    dash_duo.find_element("#lake-listing-grid button").click()
    wait_text(dash_duo, "#lake-listing", lambda t: t.startswith(f"{lake}/clicks") and "date=2026-11-26/" in t, "into a directory")
    dash_duo.driver.save_screenshot(str(screenshots / "lake.png"))
    assert_no_error_page(dash_duo)


def test_history_page_reads_views_and_reports(dash_duo, stack, hdfs_tmpdir, dashboard_factory, port, screenshots):
    hdfs = stack.hdfs()
    warehouse, reports = f"{hdfs_tmpdir}/warehouse", f"{hdfs_tmpdir}/reports"
    for day, revenue in (("2026-11-24", 100.5), ("2026-11-25", 250.25)):
        rows = [{"category": "Sports", "revenue": revenue, "orders": 2}, {"category": "Beauty", "revenue": 10.0, "orders": 1}]
        hdfs.write(f"{warehouse}/revenue_by_category/date={day}/part-00000.parquet", data=_parquet(rows))
    hdfs.write(f"{reports}/date=2026-11-25/report.md", data=b"# Daily report 2026-11-25\n\nRevenue rose.\n")
    hdfs.write(f"{reports}/date=2026-11-25/revenue.csv", data=b"category,revenue\nSports,250.25\n")
    app, _ = dashboard_factory(WAREHOUSE_ROOT=warehouse, REPORTS_ROOT=reports)
    dash_duo.start_server(app, port=port)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/history")

    wait_text(dash_duo, "#history-view", lambda t: "view" in t, "view dropdown")
    dash_duo.select_dcc_dropdown("#history-view", value="revenue_by_category (2 dates)")
    wait_text(dash_duo, "#history-table", lambda t: "4 rows over 2 date(s)" in t and "250.25" in t, "view table")
    dash_duo.select_dcc_dropdown("#history-report-date", value="2026-11-25")
    wait_text(dash_duo, "#history-report", lambda t: "Daily report 2026-11-25" in t, "report markdown")
    dash_duo.driver.save_screenshot(str(screenshots / "history.png"))
    assert_no_error_page(dash_duo)


def test_sales_page_aggregates_the_mysql_table(dash_duo, stack, mysql_database, dashboard_factory, port, screenshots):
    conn = stack.mysql(mysql_database)
    cursor = conn.cursor()
    cursor.execute(
        "CREATE TABLE sales (ORDERNUMBER INT, QUANTITYORDERED INT, PRICEEACH DECIMAL(10,2), ORDERLINENUMBER INT, SALES DECIMAL(12,2),"
        " STATUS VARCHAR(20), QTR_ID INT, MONTH_ID INT, YEAR_ID INT, PRODUCTLINE VARCHAR(50), COUNTRY VARCHAR(50), DEALSIZE VARCHAR(10))"
    )
    cursor.executemany(
        "INSERT INTO sales VALUES (%s, 1, 1, 1, %s, 'Shipped', 1, %s, 2003, %s, %s, %s)",
        [
            (10100, "2871.00", 2, "Motorcycles", "USA", "Small"),
            (10100, "1000.00", 2, "Classic Cars", "USA", "Small"),
            (10101, "7000.50", 3, "Motorcycles", "France", "Large"),
        ],
    )
    conn.commit()
    conn.close()
    app, _ = dashboard_factory(MYSQL_DATABASE=mysql_database)
    dash_duo.start_server(app, port=port)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/sales")
    wait_text(dash_duo, "#sales-revenue", lambda t: t == "10,871.50", "#sales-revenue shows 10,871.50")
    wait_text(dash_duo, "#sales-orders", lambda t: t == "2", "#sales-orders shows 2")
    assert table_rows(dash_duo, "#sales-deal-grid") == [["Large", "7,000.50", "1"], ["Small", "3,871.00", "1"]]
    dash_duo.driver.save_screenshot(str(screenshots / "sales.png"))
    assert_no_error_page(dash_duo)


def test_every_page_shows_banners_when_its_sources_are_down(
    dash_duo, stack, topics, dashboard_factory, port, dead_port, hdfs_tmpdir, screenshots
):
    app, _ = dashboard_factory(
        SOUK_TOPIC_PREFIX=topics.prefix,
        PROCESSOR_URL=f"http://127.0.0.1:{dead_port}",
        MYSQL_PORT=dead_port,
        FLUME_LOGS_PORT=dead_port,
        FLUME_KAFKA_PORT=dead_port,
        WAREHOUSE_ROOT=f"{hdfs_tmpdir}/no-warehouse",
        REPORTS_ROOT=f"{hdfs_tmpdir}/no-reports",
        ARCHIVER_HEARTBEAT_FILE=f"{hdfs_tmpdir}/none",
    )
    dash_duo.start_server(app, port=port)
    wait_text(dash_duo, "#live-processor-banner", lambda t: "processor unavailable: connection refused" in t, "live banner")
    dash_duo.driver.save_screenshot(str(screenshots / "live-banner.png"))
    dash_duo.find_element("#nav-history").click()
    wait_text(dash_duo, "#history-banner", lambda t: "no batch views yet (run souk daily)" in t, "history banner")
    dash_duo.driver.save_screenshot(str(screenshots / "history-banner.png"))
    dash_duo.find_element("#nav-sales").click()
    wait_text(dash_duo, "#sales-banner", lambda t: "mysql unavailable" in t, "sales banner")
    dash_duo.driver.save_screenshot(str(screenshots / "sales-banner.png"))
    dash_duo.find_element("#nav-lake").click()
    wait_text(dash_duo, "#lake-flume", lambda t: "flume-logs unavailable" in t and "flume-kafka unavailable" in t, "flume banners")
    wait_text(dash_duo, "#lake-archiver", lambda t: "no heartbeat file" in t, "archiver banner")
    wait_text(dash_duo, "#lake-workers-grid", lambda t: "down" in t, "processor worker down")
    dash_duo.find_element("#nav-topics").click()
    wait_text(dash_duo, "#topics-grid", lambda t: topics.clicks in t, "topics still served")
    assert_no_error_page(dash_duo)


def test_sales_page_banner_when_the_table_is_absent(dash_duo, stack, mysql_database, dashboard_factory, port):
    app, _ = dashboard_factory(MYSQL_DATABASE=mysql_database)
    dash_duo.start_server(app, port=port)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/sales")
    wait_text(dash_duo, "#sales-banner", lambda t: "no table `sales`" in t and "souk setup-db" in t, "missing-table banner")
    assert_no_error_page(dash_duo)


def test_live_kpi_equals_the_real_processors_view(
    dash_duo, stack, topics, produce, dashboard_factory, port, tmp_path, screenshots, poll_until
):
    """The real processor (one worker on this test's topics) while traffic flows: the page's figures
    change with every batch of purchases and equal the processor's /totals."""
    import importlib.util
    import os
    import subprocess
    import sys

    import pytest

    from souk.contract import Purchase, PurchaseLine, format_money

    if importlib.util.find_spec("processor") is None:
        pytest.skip("the processor service is not installed")
    processor_port = _free_port()
    env = dict(os.environ)
    env.update(
        SOUK_TOPIC_PREFIX=topics.prefix,
        PROCESSOR_PORT=str(processor_port),
        PROCESSOR_DATA_DIR=str(tmp_path / "processor"),
        PROCESSOR_LOG_LEVEL="WARNING",
    )
    log = (tmp_path / "processor.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "processor", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{processor_port}"

    def totals() -> dict | None:
        try:
            with urllib.request.urlopen(url + "/totals", timeout=2) as answer:
                return json.load(answer)
        except OSError:
            return None

    try:
        poll_until(totals, "processor answers /totals", timeout=180, interval=1.0)
        app, _ = dashboard_factory(SOUK_TOPIC_PREFIX=topics.prefix, PROCESSOR_URL=url)
        dash_duo.start_server(app, port=port)
        sent = 0
        for batch in range(2):
            purchases = []
            for i in range(3):
                line = PurchaseLine(product_id=f"P-{batch}{i}", category="Sports", quantity=1 + i, unit_price=Decimal("19.99"))
                purchases.append(
                    Purchase(
                        event_id=new_event_id(),
                        event_time_ms=now_ms(),
                        order_id=f"O-{batch}-{i}",
                        session_id=f"S-{batch}-{i}",
                        user_id=f"U-{i}",
                        city="Rabat",
                        payment_method="Credit Card",
                        lines=(line,),
                        total=line.unit_price * line.quantity,
                    )
                )
            produce(topics.purchases, [(encode_key(p), encode(p)) for p in purchases])
            sent += len(purchases)
            view = poll_until(
                lambda sent=sent: (t := totals()) and t.get("orders") == sent and t, f"processor counts {sent} orders", timeout=90
            )
            wait_text(dash_duo, "#live-orders", lambda t, sent=sent: t == str(sent), f"page shows {sent} orders", timeout=60)
            expected = f"{Decimal(view['revenue']):,.2f} MAD"
            wait_text(
                dash_duo,
                "#live-revenue",
                lambda t, expected=expected: t == expected,
                f"page revenue equals the processor's {view['revenue']}",
            )
            assert format_money(Decimal(view["revenue"])) == view["revenue"]
        dash_duo.driver.save_screenshot(str(screenshots / "live-real-processor.png"))
        assert_no_error_page(dash_duo)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        admin = stack.kafka_admin()  # the worker's changelog topics are not among the fixture's six
        try:
            internal = [t for t in admin.list_topics() if t.startswith(f"{topics.prefix}processor-")]
            if internal:
                admin.delete_topics(internal)
        finally:
            admin.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
