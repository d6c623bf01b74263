"""Probes for cases check (the warm-up is never handed in): what initials() gives for names the brief describes.
No expected value lives here; the judge compares with checks/judge/answers.json."""

from caseportal_check import probe


@probe
def test_three_names_in_lower_case():
    from initials import initials

    return initials("grace brewster hopper")


@probe
def test_extra_spaces_are_not_names():
    from initials import initials

    return initials("  Alan   Turing ")
