import pytest

from souk.testing import poll_until


def test_returns_the_first_truthy_value():
    values = iter([0, None, [], [1]])
    assert poll_until(lambda: next(values), "a list", timeout=5, interval=0) == [1]


def test_times_out_naming_what_it_waited_for_and_the_last_error():
    def boom() -> int:
        raise ConnectionError("refused")

    with pytest.raises(AssertionError, match=r"waiting for the broker; last: ConnectionError\('refused'\)"):
        poll_until(boom, "the broker", timeout=0.05, interval=0.01)
