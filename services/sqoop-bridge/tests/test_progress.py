"""The progress bar: drawn on a terminal only."""

from __future__ import annotations

import io

from sqoop_bridge.progress import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_only_on_a_terminal() -> None:
    tty = _Tty()
    bar = Progress("import sales", 1000, 4, stream=tty)
    bar.counter.value = 500
    bar.show()
    bar.finish(1000)
    text = tty.getvalue()
    assert "import sales [###############" in text and "500/~1,000 rows" in text and "1,000 rows in" in text

    plain = io.StringIO()
    quiet = Progress("import sales", 1000, 4, stream=plain)
    quiet.counter.value = 500
    quiet.show()
    quiet.finish(1000)
    assert plain.getvalue() == ""
