"""Business operations: plain functions taking explicit arguments (a session first), raising domain errors.

Routes, the CLI and the worker all call these; none of them imports Flask.
"""
