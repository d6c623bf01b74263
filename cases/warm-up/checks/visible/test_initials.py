"""The warm-up's two visible checks: the first passes on the starter, the second until the candidate fixes it."""

import initials


def test_one_name_gives_one_letter():
    assert initials.initials("Ada") == "A"


def test_every_name_gives_its_first_letter():
    got = initials.initials("Ada Lovelace")
    assert got == "AL", f'initials("Ada Lovelace") gave {got!r}; it should give "AL"'
