"""The MySQL/MariaDB `sales` table (Kaggle sales_data_sample layout, loaded by sqoop-bridge's setup_db).

Columns used: SALES, PRODUCTLINE, COUNTRY, YEAR_ID, MONTH_ID, DEALSIZE, ORDERNUMBER. Aggregates
only, cached for half a minute: the table changes when setup_db or an export runs, not per second.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dashboard.sources.base import Cache, Unavailable, guarded
from souk.settings import Secret

SOURCE = "mysql"
TABLE = "sales"


@dataclass(frozen=True)
class SalesSummary:
    rows: int
    orders: int
    revenue: Decimal
    by_product_line: list[tuple[str, Decimal, int]]
    by_country: list[tuple[str, Decimal, int]]
    by_month: list[tuple[str, Decimal, int]]
    by_deal_size: list[tuple[str, Decimal, int]]


class TableMissing(LookupError):
    pass


class SalesSource:
    def __init__(self, host: str, port: int, user: str, password: Secret | None, database: str, timeout: float, cache: Cache) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.timeout = timeout
        self.cache = cache

    def summary(self) -> SalesSummary | Unavailable:
        return self.cache.get(("mysql", "sales", self.database), 30.0, lambda: guarded(SOURCE, self._load))

    def _connect(self) -> Any:
        import mysql.connector

        if self.password is None:
            raise PermissionError("no MySQL password (MYSQL_PASSWORD(_FILE) or SOUK_HOME/secrets/mysql-password)")
        return mysql.connector.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password.reveal(),
            database=self.database,
            connection_timeout=max(1, round(self.timeout)),
        )

    def _load(self) -> SalesSummary:
        conn = self._connect()
        try:
            cursor = conn.cursor()
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s", (self.database, TABLE)
            )
            (present,) = cursor.fetchone()
            if not present:
                raise TableMissing(f"no table `{TABLE}` in database `{self.database}` (run `souk setup-db`)")

            def grouped(expression: str, order: str) -> list[tuple[str, Decimal, int]]:
                cursor.execute(
                    f"SELECT {expression} AS label, COALESCE(SUM(SALES), 0), COUNT(DISTINCT ORDERNUMBER)"
                    f" FROM `{TABLE}` GROUP BY label ORDER BY {order}"
                )
                return [(str(label), Decimal(str(revenue)), int(orders)) for label, revenue, orders in cursor.fetchall()]

            cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT ORDERNUMBER), COALESCE(SUM(SALES), 0) FROM `{TABLE}`")
            rows, orders, revenue = cursor.fetchone()
            return SalesSummary(
                rows=int(rows),
                orders=int(orders),
                revenue=Decimal(str(revenue)),
                by_product_line=grouped("PRODUCTLINE", "2 DESC"),
                by_country=grouped("COUNTRY", "2 DESC"),
                by_month=grouped("CONCAT(YEAR_ID, '-', LPAD(MONTH_ID, 2, '0'))", "label"),
                by_deal_size=grouped("DEALSIZE", "2 DESC"),
            )
        finally:
            conn.close()
