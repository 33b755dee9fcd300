"""`products` and `customers` as the producer's catalogue has them, for a database setup_db creates.

The product rows are generated the way the producer's catalogue is (same seed, id prefixes,
price ranges and names), so whichever of setup_db and the producer fills `products` first, both
see the same catalogue. Tables are created IF NOT EXISTS and filled only when empty: a catalogue
the producer already wrote is kept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from souk.contract import CATEGORIES, CITIES

CATALOGUE_SEED: Final = 20_260_101
PRODUCTS_PER_CATEGORY: Final = 40
CUSTOMERS_SEED: Final = 5_000
CUSTOMER_COUNT: Final = 5000  # the producer's users u-00000 … u-04999

PRODUCTS_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS products("
    "product_id VARCHAR(64) PRIMARY KEY, name VARCHAR(200), category VARCHAR(40), "
    "price DECIMAL(10,2), stock INT, low_stock_threshold INT)"
)
CUSTOMERS_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS customers("
    "customer_id VARCHAR(64) PRIMARY KEY, name VARCHAR(200) NOT NULL, city VARCHAR(40) NOT NULL, "
    "email VARCHAR(200) NOT NULL, created_at DATETIME NOT NULL, KEY customers_city (city))"
)

_SHAPES: Final[dict[str, tuple[str, int, int, tuple[str, ...], tuple[str, ...]]]] = {
    "Electronics": (
        "EL", 149, 14_999,
        ("Samsung", "Xiaomi", "Oppo", "Lenovo", "HP", "JBL", "Anker", "Huawei"),
        ("Smartphone", "Écouteurs sans fil", "Tablette", "Ordinateur portable", "Enceinte Bluetooth", "Montre connectée", "Chargeur rapide"),  # noqa: E501
    ),
    "Fashion": (
        "FA", 79, 1_899,
        ("Marwa", "LC Waikiki", "Kitea Mode", "Atlas", "Zara", "Defacto"),
        ("Djellaba en lin", "Caftan brodé", "Babouches en cuir", "Jean slim", "Veste en cuir", "Sac à main", "Foulard en soie"),
    ),
    "Home & Garden": (
        "HG", 49, 3_499,
        ("Kitea", "Tazi", "Atlas Déco", "Fès Artisanat", "Safi Céramique"),
        ("Tajine en terre cuite", "Tapis berbère", "Lanterne en cuivre", "Service à thé", "Pouf en cuir", "Coussin brodé", "Arrosoir"),
    ),
    "Sports": (
        "SP", 59, 4_999,
        ("Decathlon", "Adidas", "Nike", "Puma", "Kipsta"),
        ("Ballon de football", "Maillot Raja", "Maillot Wydad", "Tapis de yoga", "Vélo de ville", "Haltères", "Chaussures de running"),
    ),
    "Beauty": (
        "BE", 29, 899,
        ("Argan Bio", "Nivea", "L'Oréal", "Garnier", "Rhassoul Atlas"),
        ("Huile d'argan", "Savon noir", "Ghassoul", "Eau de rose", "Crème hydratante", "Parfum musc", "Khôl traditionnel"),
    ),
}  # fmt: skip

FIRST_NAMES: Final = ("Youssef", "Fatima", "Mohamed", "Khadija", "Amine", "Salma", "Omar", "Imane", "Hamza", "Zineb",
                      "Mehdi", "Aïcha", "Rachid", "Hajar", "Anas", "Meryem", "Ilyas", "Noûr", "Karim", "Leïla")  # fmt: skip
LAST_NAMES: Final = ("El Amrani", "Benali", "Alaoui", "Bennani", "Chraïbi", "Tazi", "Idrissi", "El Fassi", "Berrada",
                     "Ouazzani", "Lahlou", "Benjelloun", "Naciri", "Sefrioui", "Bouzidi", "Zerhouni")  # fmt: skip


@dataclass(frozen=True)
class ProductRow:
    product_id: str
    name: str
    category: str
    price: Decimal
    stock: int
    low_stock_threshold: int


def products() -> list[ProductRow]:
    """The default catalogue: 40 products per category, prices in MAD ending in .00, .50 or .99."""
    rng = random.Random(CATALOGUE_SEED)  # noqa: S311 - sample data
    rows = []
    for category in CATEGORIES:
        prefix, low, high, brands, kinds = _SHAPES[category]
        for number in range(1, PRODUCTS_PER_CATEGORY + 1):
            whole = int(low * (high / low) ** rng.random())
            cents = rng.choice(("0.00", "0.50", "0.99"))
            price = (Decimal(whole) + Decimal(cents)).quantize(Decimal("0.01"))
            stock = rng.randint(20, 200)
            name = f"{rng.choice(kinds)} {rng.choice(brands)} {number:02d}"
            rows.append(ProductRow(f"{prefix}-{number:04d}", name, category, price, stock, rng.randint(5, 15)))
    return rows


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
        rows = [(p.product_id, p.name, p.category, p.price, p.stock, p.low_stock_threshold) for p in products()]
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
