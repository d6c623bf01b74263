"""Your warm-up: make initials() give one capital letter for every name, so "Ada Lovelace" gives "AL"."""


def initials(full_name: str) -> str:
    """The initials of a name: "Ada Lovelace" -> "AL", "grace hopper" -> "GH"."""
    return "".join(word[0].upper() for word in full_name.split())
