"""Judge checks: the probes' observations compared with the answers, in a container without candidate code."""

from pathlib import Path

from caseportal_check import judge_against

judge_against(globals(), Path(__file__).with_name("answers.json"))
