"""Judge checks: the probes' observations compared with the answers (answers.json, next to this file),
in a container that never holds the candidate's code. Numbers compare by value."""

from pathlib import Path

from caseportal_check import judge_against

judge_against(globals(), Path(__file__).with_name("answers.json"))
