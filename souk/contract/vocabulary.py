"""The closed sets of words events may use, and the constants that go with them."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

CITIES: Final = ("Casablanca", "Rabat", "Marrakech", "Fès", "Tanger", "Agadir")
CATEGORIES: Final = ("Electronics", "Fashion", "Home & Garden", "Sports", "Beauty")
PAYMENT_METHODS: Final = ("Credit Card", "Cash on Delivery", "Mobile Payment")
PAGES: Final = ("home", "category", "product", "cart", "checkout")
ACTIONS: Final = ("view", "add_to_cart", "remove_from_cart")
# Actions about one product: a click doing them (or on the product page) must say which product.
PRODUCT_ACTIONS: Final = ("add_to_cart", "remove_from_cart")
INVENTORY_REASONS: Final = ("sale", "restock", "return", "adjustment")
ALERT_KINDS: Final = ("low_stock", "high_ticket")

# An order whose total reaches this amount raises a high_ticket alert.
HIGH_TICKET_THRESHOLD: Final = Decimal("1000.00")
CURRENCY: Final = "MAD"
