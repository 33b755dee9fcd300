"""souk's speed layer: a Faust app over clicks, purchases and inventory (see README.md)."""
