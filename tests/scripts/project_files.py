#!/usr/bin/python3
"""Checks the project's hygiene files: CITATION.cff is valid Citation File Format 1.2.0 (against
the schema in tests/data/cff, and a broken copy is rejected, so the check can fail), LICENSE is
the full Apache License 2.0 text, and CONTRIBUTING.md, docs/tutorial.md and docs/integration.md
exist and link only to files that exist. Usage: project_files.py SRC"""
import os
import re
import sys

import jsonschema
import yaml


def main():
    src = sys.argv[1]
    problems = []
    with open(os.path.join(src, "tests/data/cff/schema-1.2.0.json")) as f:
        import json
        schema = json.load(f)
    with open(os.path.join(src, "CITATION.cff")) as f:
        cff = yaml.safe_load(f)
    try:
        jsonschema.validate(cff, schema)
    except jsonschema.ValidationError as e:
        problems.append("CITATION.cff: " + e.message)
    if cff.get("cff-version") != "1.2.0":
        problems.append("CITATION.cff: cff-version is not 1.2.0")
    broken = dict(cff)
    del broken["authors"]
    try:
        jsonschema.validate(broken, schema)
        problems.append("the schema accepted a CITATION.cff without authors")
    except jsonschema.ValidationError:
        pass
    with open(os.path.join(src, "LICENSE")) as f:
        lic = f.read()
    for phrase in ("Apache License", "Version 2.0, January 2004",
                   "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
                   "END OF TERMS AND CONDITIONS"):
        if phrase not in lic:
            problems.append("LICENSE lacks '%s'" % phrase)
    if cff.get("license") != "Apache-2.0":
        problems.append("CITATION.cff license is not the LICENSE's Apache-2.0")
    for doc in ("CONTRIBUTING.md", "docs/tutorial.md", "docs/integration.md"):
        path = os.path.join(src, doc)
        if not os.path.exists(path):
            problems.append(doc + " is missing")
            continue
        with open(path) as f:
            text = f.read()
        for target in re.findall(r"\]\(([^)#\s]+)", text):
            if "://" in target:
                continue
            if not os.path.exists(os.path.join(os.path.dirname(path), target)):
                problems.append("%s links to %s, which does not exist" % (doc, target))
    for p in problems:
        print("project_files: " + p)
    print("project_files: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
