"""The shop's catalogue: products with MAD prices, stock and a low-stock threshold per product.

Shared because it crosses services as data does: the producer sells these products, setup_db
writes them, sqoop-bridge imports them. The catalogue lives in MariaDB's ``products`` table
(database ``souk``). ``generate`` makes the same catalogue every time (its own fixed seed,
independent of the traffic seed), so a fresh stack, a test without MariaDB and a run that fell
back on it all sell the same products, whichever service wrote the table first.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from souk.contract import CATEGORIES, CENT

CATALOGUE_SEED: Final = 20_260_101
PRODUCTS_PER_CATEGORY: Final = 40

PRODUCTS_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS products("
    "product_id VARCHAR(64) PRIMARY KEY, name VARCHAR(200), category VARCHAR(40), "
    "price DECIMAL(10,2), stock INT, low_stock_threshold INT)"
)


@dataclass(frozen=True, slots=True)
class Product:
    """One product: ``price`` in MAD with two places; ``stock`` is the level a run starts from."""

    product_id: str
    name: str
    category: str
    price: Decimal
    stock: int
    low_stock_threshold: int


# Per category: id prefix, price range in MAD, and words that make believable names.
_CATEGORY_SHAPES: Final[dict[str, tuple[str, int, int, tuple[str, ...], tuple[str, ...]]]] = {
    "Electronics": (
        "EL",
        149,
        14_999,
        ("Samsung", "Xiaomi", "Oppo", "Lenovo", "HP", "JBL", "Anker", "Huawei"),
        (
            "Smartphone",
            "Écouteurs sans fil",
            "Tablette",
            "Ordinateur portable",
            "Enceinte Bluetooth",
            "Montre connectée",
            "Chargeur rapide",
        ),
    ),
    "Fashion": (
        "FA",
        79,
        1_899,
        ("Marwa", "LC Waikiki", "Kitea Mode", "Atlas", "Zara", "Defacto"),
        ("Djellaba en lin", "Caftan brodé", "Babouches en cuir", "Jean slim", "Veste en cuir", "Sac à main", "Foulard en soie"),
    ),
    "Home & Garden": (
        "HG",
        49,
        3_499,
        ("Kitea", "Tazi", "Atlas Déco", "Fès Artisanat", "Safi Céramique"),
        ("Tajine en terre cuite", "Tapis berbère", "Lanterne en cuivre", "Service à thé", "Pouf en cuir", "Coussin brodé", "Arrosoir"),
    ),
    "Sports": (
        "SP",
        59,
        4_999,
        ("Decathlon", "Adidas", "Nike", "Puma", "Kipsta"),
        ("Ballon de football", "Maillot Raja", "Maillot Wydad", "Tapis de yoga", "Vélo de ville", "Haltères", "Chaussures de running"),
    ),
    "Beauty": (
        "BE",
        29,
        899,
        ("Argan Bio", "Nivea", "L'Oréal", "Garnier", "Rhassoul Atlas"),
        ("Huile d'argan", "Savon noir", "Ghassoul", "Eau de rose", "Crème hydratante", "Parfum musc", "Khôl traditionnel"),
    ),
}


def generate(per_category: int = PRODUCTS_PER_CATEGORY) -> list[Product]:
    """The default catalogue, identical on every call: ``per_category`` products in each category, by id."""
    rng = random.Random(CATALOGUE_SEED)  # noqa: S311 - a simulation, not security
    products = []
    for category in CATEGORIES:
        prefix, low, high, brands, kinds = _CATEGORY_SHAPES[category]
        for number in range(1, per_category + 1):
            # Prices spread on a log scale (log-uniform); they end in .00, .50 or .99 as shop prices do.
            whole = int(low * (high / low) ** rng.random())
            cents = rng.choice(("0.00", "0.50", "0.99"))
            price = (Decimal(whole) + Decimal(cents)).quantize(CENT)
            stock = rng.randint(20, 200)
            products.append(
                Product(
                    product_id=f"{prefix}-{number:04d}",
                    name=f"{rng.choice(kinds)} {rng.choice(brands)} {number:02d}",
                    category=category,
                    price=price,
                    stock=stock,
                    low_stock_threshold=rng.randint(5, 15),
                )
            )
    return sorted(products, key=lambda p: p.product_id)


def read_products(conn: Any) -> list[Product]:
    """The rows of ``products`` (empty when the table has none)."""
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT product_id, name, category, price, stock, low_stock_threshold FROM products ORDER BY product_id")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [
        Product(
            product_id=str(pid),
            name=str(name or pid),
            category=str(category),
            price=Decimal(price).quantize(CENT),
            stock=int(stock if stock is not None else 0),
            low_stock_threshold=int(threshold if threshold is not None else 0),
        )
        for pid, name, category, price, stock, threshold in rows
    ]


def write_products(conn: Any, products: Sequence[Product]) -> None:
    """Create ``products`` if missing and insert ``products`` (existing ids are left as they are)."""
    cursor = conn.cursor()
    try:
        cursor.execute(PRODUCTS_DDL)
        cursor.executemany(
            "INSERT IGNORE INTO products (product_id, name, category, price, stock, low_stock_threshold) VALUES (%s, %s, %s, %s, %s, %s)",
            [(p.product_id, p.name, p.category, p.price, p.stock, p.low_stock_threshold) for p in products],
        )
        conn.commit()
    finally:
        cursor.close()
