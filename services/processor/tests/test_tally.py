from processor.tally import bump, key_for, partition_of


def test_bump_adds_and_moves_the_watermark() -> None:
    assert bump([], (250, 1), 7) == [250, 1, 7]
    assert bump([250, 1, 7], (100, 1), 9) == [350, 2, 9]


def test_bump_ignores_an_offset_already_included() -> None:
    value = [350, 2, 9]
    assert bump(value, (100, 1), 9) == value
    assert bump(value, (100, 1), 3) == value


def test_keys_carry_their_source_partition() -> None:
    key = key_for(4, "Home & Garden", "P-0001")
    assert key == "4|Home & Garden|P-0001"
    assert partition_of(key) == 4
