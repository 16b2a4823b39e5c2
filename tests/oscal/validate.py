#!/usr/bin/env python3
"""Validates OSCAL documents two ways:

1. against NIST's OSCAL model as compiled into compliance-trestle's pydantic
   classes (unknown keys, missing required fields, malformed UUIDs and dates
   are rejected), by the document's root key;
2. with --schema-dir DIR, also against NIST's OSCAL 1.1.3 JSON schemas
   (scripts/fetch-oscal-schemas.sh DIR fetches them), with jsonschema-rs
   (Python's `re` cannot compile the schemas' \\p{L} patterns), formats checked.

    validate.py [--schema-dir DIR] FILE.json...  -> VALID per file, or the errors and exit 1

Used by tests/it/history.rs and tests/it/grc.rs; `.ci/run` installs
compliance-trestle and jsonschema-rs and fetches the schemas.
"""
import json
import os
import sys

MODELS = {
    "assessment-results": ("trestle.oscal.assessment_results", "oscal_assessment-results_schema.json"),
    "assessment-plan": ("trestle.oscal.assessment_plan", "oscal_assessment-plan_schema.json"),
    "plan-of-action-and-milestones": ("trestle.oscal.poam", "oscal_poam_schema.json"),
}


def check(path, schema_dir):
    with open(path) as f:
        doc = json.load(f)
    root = next(iter(doc))
    module, schema_file = MODELS[root]
    errors = []
    model = __import__(module, fromlist=["Model"]).Model
    try:
        model.parse_obj(doc)
    except Exception as e:  # pydantic's ValidationError lists every problem
        errors.append(f"trestle: {e}")
    if schema_dir:
        import jsonschema_rs

        with open(os.path.join(schema_dir, schema_file)) as f:
            schema = json.load(f)
        v = jsonschema_rs.validator_for(schema, validate_formats=True)
        for e in v.iter_errors(doc):
            errors.append(f"schema 1.1.3: {e.message} at {'/'.join(map(str, e.instance_path))}")
    return errors


def main():
    args = sys.argv[1:]
    schema_dir = None
    if args[:1] == ["--schema-dir"]:
        schema_dir, args = args[1], args[2:]
    bad = 0
    for path in args:
        errors = check(path, schema_dir)
        if errors:
            bad += 1
            print(f"{path}: INVALID")
            for e in errors[:50]:
                print("  " + e)
        else:
            print(f"{path}: VALID")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
