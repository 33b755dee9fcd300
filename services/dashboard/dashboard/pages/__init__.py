"""The five pages; each module has PATH, TITLE, ``layout(sources)`` and ``register(app, sources)``."""

from dashboard.pages import history, lake, live, sales, topics

PAGES = (live, history, sales, topics, lake)
