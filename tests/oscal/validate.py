#!/usr/bin/env python3
"""Validates an OSCAL assessment-results JSON document against NIST's OSCAL
model, as compiled into compliance-trestle's pydantic classes (generated from
the NIST OSCAL JSON schemas; unknown keys, missing required fields, malformed
UUIDs and dates are rejected).

    validate.py FILE.json      -> prints VALID, or the errors and exits 1

Used by tests/it/history.rs; `.ci/run` installs compliance-trestle.
"""
import json
import sys

from trestle.oscal.assessment_results import Model


def main():
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    try:
        Model.parse_obj(doc)
    except Exception as e:  # pydantic's ValidationError lists every problem
        print(e)
        return 1
    print("VALID")
    return 0


if __name__ == "__main__":
    sys.exit(main())
