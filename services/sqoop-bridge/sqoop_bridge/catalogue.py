"""`products` and `customers` as the producer's catalogue has them, for a database setup_db creates.

The product rows are souk.catalogue's, the same the producer sells, so whichever of setup_db and
the producer fills `products` first, both see the same catalogue. Tables are created IF NOT
EXISTS and filled only when empty: a catalogue the producer already wrote is kept.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Final

from souk.catalogue import PRODUCTS_DDL, generate
from souk.contract import CITIES

CUSTOMERS_SEED: Final = 5_000
CUSTOMER_COUNT: Final = 5000  # the producer's users u-00000 … u-04999

CUSTOMERS_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS customers("
    "customer_id VARCHAR(64) PRIMARY KEY, name VARCHAR(200) NOT NULL, city VARCHAR(40) NOT NULL, "
    "email VARCHAR(200) NOT NULL, created_at DATETIME NOT NULL, KEY customers_city (city))"
)

FIRST_NAMES: Final = ("Youssef", "Fatima", "Mohamed", "Khadija", "Amine", "Salma", "Omar", "Imane", "Hamza", "Zineb",
                      "Mehdi", "Aïcha", "Rachid", "Hajar", "Anas", "Meryem", "Ilyas", "Noûr", "Karim", "Leïla")  # fmt: skip
LAST_NAMES: Final = ("El Amrani", "Benali", "Alaoui", "Bennani", "Chraïbi", "Tazi", "Idrissi", "El Fassi", "Berrada",
                     "Ouazzani", "Lahlou", "Benjelloun", "Naciri", "Sefrioui", "Bouzidi", "Zerhouni")  # fmt: skip


def _ascii(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def customers() -> list[tuple[str, str, str, str, datetime]]:
    """(customer_id, name, city, email, created_at) for the producer's users u-00000 … u-04999."""
    rng = random.Random(CUSTOMERS_SEED)  # noqa: S311 - sample data
    start = datetime(2024, 1, 1)
    rows = []
    for i in range(CUSTOMER_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city = rng.choice(CITIES)
        created = start + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        rows.append((f"u-{i:05d}", f"{first} {last}", city, f"{_ascii(first)}.{_ascii(last)}{i}@example.ma", created))
    return rows


def fill_catalogue(conn: Any) -> dict[str, int]:
    """Create products and customers if missing; fill each only when empty. Rows inserted per table."""
    cur = conn.cursor()
    inserted = {"products": 0, "customers": 0}
    cur.execute(PRODUCTS_DDL)
    cur.execute(CUSTOMERS_DDL)
    cur.execute("SELECT COUNT(*) FROM products")
    if cur.fetchone()[0] == 0:
        rows = [(p.product_id, p.name, p.category, p.price, p.stock, p.low_stock_threshold) for p in generate()]
        cur.executemany(
            "INSERT INTO products (product_id, name, category, price, stock, low_stock_threshold) VALUES (%s, %s, %s, %s, %s, %s)", rows
        )
        inserted["products"] = len(rows)
    cur.execute("SELECT COUNT(*) FROM customers")
    if cur.fetchone()[0] == 0:
        crow = customers()
        cur.executemany("INSERT INTO customers (customer_id, name, city, email, created_at) VALUES (%s, %s, %s, %s, %s)", crow)
        inserted["customers"] = len(crow)
    conn.commit()
    cur.close()
    return inserted
