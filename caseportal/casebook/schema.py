"""case.yaml against its JSON Schema (case_schema.json, shipped next to this module).

The schema owns the shape of each field; this module turns jsonschema's errors into :class:`CaseProblem`s that
name the field by its path (``submission.editable[0]``), one per missing or unknown field, so an author sees
every mistake at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from .model import NO_FIELD, CaseProblem


@lru_cache(maxsize=1)
def case_schema() -> dict[str, Any]:
    """The JSON Schema for case.yaml (package data of caseportal.casebook)."""
    text = resources.files("caseportal.casebook").joinpath("case_schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = case_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _json_path(parts: Iterable[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def schema_problems(data: Any, file: str) -> list[CaseProblem]:
    """Every way ``data`` (a parsed case.yaml) breaks the schema; ``file`` is how case.yaml is named in them."""
    problems: list[CaseProblem] = []
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for err in errors:
        path = _json_path(err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, dict) and isinstance(err.validator_value, list):
            for name in err.validator_value:
                if name not in err.instance:
                    full = f"{path}.{name}" if path else name
                    problems.append(CaseProblem(file, full, "required field is missing"))
        elif (err.validator == "additionalProperties" and isinstance(err.instance, dict)
              and isinstance(err.schema, Mapping)):
            allowed = set(err.schema.get("properties", {}))
            for name in sorted(set(err.instance) - allowed):
                full = f"{path}.{name}" if path else name
                problems.append(CaseProblem(file, full, f"unknown field (allowed: {', '.join(sorted(allowed))})"))
        else:
            problems.append(CaseProblem(file, path or NO_FIELD, err.message))
    return list(dict.fromkeys(problems))  # jsonschema reports "required" once per missing field, each naming all
