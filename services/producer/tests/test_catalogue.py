"""The catalogue: generated the same every time, kept in MariaDB, and a fallback when MariaDB is down."""

from __future__ import annotations

import dataclasses
import socket
from collections import Counter
from decimal import Decimal

import pytest
from producer.__main__ import load_catalogue
from producer.catalogue import PRODUCTS_PER_CATEGORY, Product, generate, load_or_create, read_products, validate, write_products
from producer.errors import CatalogueError, ProducerError

from souk.contract import CATEGORIES


def test_generated_catalogue_is_fixed_and_valid():
    products = generate()
    assert products == generate()
    assert Counter(p.category for p in products) == dict.fromkeys(CATEGORIES, PRODUCTS_PER_CATEGORY)
    assert len({p.product_id for p in products}) == len(products)
    assert all(p.price > 0 and p.price.as_tuple().exponent == -2 for p in products)
    assert all(p.stock > p.low_stock_threshold >= 5 for p in products)
    assert validate(products) == products
    electronics = [p.price for p in products if p.category == "Electronics"]
    beauty = [p.price for p in products if p.category == "Beauty"]
    assert max(electronics) > max(beauty)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "Toys"}, "unknown category 'Toys'"),
        ({"price": Decimal("12.5")}, "price must be > 0 with 2 places"),
        ({"price": Decimal("0.00")}, "price must be > 0 with 2 places"),
        ({"stock": -1}, "must be >= 0"),
    ],
)
def test_validate_names_the_bad_row(change, message):
    products = generate()[:3]
    products[1] = dataclasses.replace(products[1], **change)
    with pytest.raises(CatalogueError, match=message):
        validate(products)


def test_mariadb_gets_the_generated_catalogue_then_serves_it(stack, mysql_database):
    conn = stack.mysql(mysql_database)
    try:
        products, source = load_or_create(conn)
        assert (products, source) == (generate(), "generated (written to MariaDB)")
        again, source = load_or_create(conn)
        assert (again, source) == (generate(), "db")
    finally:
        conn.close()


def test_a_catalogue_already_in_mariadb_is_the_one_sold(stack, mysql_database):
    own = [
        Product("X-1", "Thé à la menthe", "Home & Garden", Decimal("35.00"), 10, 2),
        Product("X-2", "Babouches", "Fashion", Decimal("199.99"), 4, 1),
    ]
    conn = stack.mysql(mysql_database)
    try:
        write_products(conn, own)
        assert read_products(conn) == own
    finally:
        conn.close()
    settings = dataclasses.replace(stack.settings, mysql_database=mysql_database)
    assert load_catalogue("auto", settings) == (own, "db")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_mariadb_down_falls_back_on_the_generated_catalogue(stack):
    down = dataclasses.replace(stack.settings, mysql_port=_free_port())
    assert load_catalogue("auto", down) == (generate(), "generated (MariaDB unavailable)")
    with pytest.raises(ProducerError, match="cannot read the catalogue from MariaDB"):
        load_catalogue("db", down)
    assert load_catalogue("generated", down) == (generate(), "generated")
