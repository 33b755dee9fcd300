"""souk producer: realistic, seeded shop traffic to Kafka's clicks, purchases and inventory topics.

The traffic model (``producer.traffic``) is pure: it yields contract events and never touches
Kafka. ``producer.run`` drives it into a sink (``producer.sink``) at a rate, and keeps the ledger
(``producer.ledger``) of every event the broker acknowledged.
"""
