"""The producer's use of the shared catalogue (souk.catalogue): validating it and loading it.

``load_or_create`` reads MariaDB's ``products`` table, or writes the generated catalogue there
when the table is missing or empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from producer.errors import CatalogueError
from souk.catalogue import PRODUCTS_DDL, PRODUCTS_PER_CATEGORY, Product, generate, read_products, write_products
from souk.contract import CATEGORIES, CENT

__all__ = ["PRODUCTS_PER_CATEGORY", "Product", "generate", "load_or_create", "read_products", "validate", "write_products"]


def validate(products: Sequence[Product]) -> list[Product]:
    """The products the traffic model can sell; CatalogueError naming the first bad row."""
    valid = []
    for p in products:
        if p.category not in CATEGORIES:
            raise CatalogueError(f"product {p.product_id!r}: unknown category {p.category!r}")
        if not (type(p.price) is Decimal and p.price > 0 and p.price.same_quantum(CENT)):
            raise CatalogueError(f"product {p.product_id!r}: price must be > 0 with 2 places, got {p.price!r}")
        if not 0 < len(p.product_id) <= 64:
            raise CatalogueError(f"product id {p.product_id!r} must have 1 to 64 characters")
        if p.stock < 0 or p.low_stock_threshold < 0:
            raise CatalogueError(f"product {p.product_id!r}: stock and threshold must be >= 0")
        valid.append(p)
    if not valid:
        raise CatalogueError("the catalogue is empty")
    return valid


def load_or_create(conn: Any) -> tuple[list[Product], str]:
    """The catalogue in MariaDB, or the generated one written there when the table is missing or empty.

    Returns the products and where they came from: "db" or "generated (written to MariaDB)".
    """
    cursor = conn.cursor()
    try:
        cursor.execute(PRODUCTS_DDL)
        conn.commit()
    finally:
        cursor.close()
    products = read_products(conn)
    if products:
        return validate(products), "db"
    generated = generate()
    write_products(conn, generated)
    return generated, "generated (written to MariaDB)"
