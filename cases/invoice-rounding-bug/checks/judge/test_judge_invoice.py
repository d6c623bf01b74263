"""Judge checks: the probes' observations compared with Finance's answers (answers.json, next to this file),
in a container that never holds the candidate's code. Amounts compare by value ("298.8" equals "298.80")."""

from pathlib import Path

from caseportal_check import judge_against

judge_against(globals(), Path(__file__).with_name("answers.json"))
