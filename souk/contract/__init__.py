"""The event contract every souk service imports: topics, events, validation and wire codec.

Build events with the dataclasses (they validate themselves), write them with ``encode`` and
``encode_key``, read them with ``decode_<kind>`` or ``decode(topic_base, raw)``; anything that
breaks the contract raises ContractError, whose ``reason`` goes to the DLQ via ``dead_letter``.
"""

from souk.contract.checks import SCHEMA_VERSION
from souk.contract.codec import (
    dead_letter,
    decode,
    decode_alert,
    decode_click,
    decode_dead_letter,
    decode_inventory,
    decode_kpi,
    decode_purchase,
    encode,
    encode_key,
    from_dict,
    to_dict,
)
from souk.contract.errors import ContractError
from souk.contract.events import (
    MAX_PURCHASE_LINES,
    Alert,
    Click,
    DeadLetter,
    Event,
    InventoryMove,
    Kpi,
    Purchase,
    PurchaseLine,
    RawEncoding,
    new_event_id,
)
from souk.contract.money import CENT, MONEY_MAX_DIGITS, format_money, from_cents, parse_money, to_cents
from souk.contract.topics import ALERTS, CLICKS, DLQ, INVENTORY, KPIS, PURCHASES, SOURCE_TOPICS, TOPICS, TopicSpec, topic_spec
from souk.contract.vocabulary import (
    ACTIONS,
    ALERT_KINDS,
    CATEGORIES,
    CITIES,
    CURRENCY,
    HIGH_TICKET_THRESHOLD,
    INVENTORY_REASONS,
    PAGES,
    PAYMENT_METHODS,
)

__all__ = [
    "ACTIONS",
    "ALERTS",
    "ALERT_KINDS",
    "CATEGORIES",
    "CENT",
    "CITIES",
    "CLICKS",
    "CURRENCY",
    "DLQ",
    "HIGH_TICKET_THRESHOLD",
    "INVENTORY",
    "INVENTORY_REASONS",
    "KPIS",
    "MAX_PURCHASE_LINES",
    "MONEY_MAX_DIGITS",
    "PAGES",
    "PAYMENT_METHODS",
    "PURCHASES",
    "SCHEMA_VERSION",
    "SOURCE_TOPICS",
    "TOPICS",
    "Alert",
    "Click",
    "ContractError",
    "DeadLetter",
    "Event",
    "InventoryMove",
    "Kpi",
    "Purchase",
    "PurchaseLine",
    "RawEncoding",
    "TopicSpec",
    "dead_letter",
    "decode",
    "decode_alert",
    "decode_click",
    "decode_dead_letter",
    "decode_inventory",
    "decode_kpi",
    "decode_purchase",
    "encode",
    "encode_key",
    "format_money",
    "from_cents",
    "from_dict",
    "new_event_id",
    "parse_money",
    "to_cents",
    "to_dict",
    "topic_spec",
]
