#!/usr/bin/env bash
# NIST OSCAL 1.1.3 JSON schemas (assessment results, assessment plan, POA&M),
# byte-identical to NIST's release assets (SHA-256 checked below), from the
# PyPI package oscal==2.0.0 (MIT; it caches NIST's release files in a SQLite
# database). The schemas are a US government work (public domain in the US,
# CC0 elsewhere). Usage: scripts/fetch-oscal-schemas.sh [DEST]
# Extract NIST OSCAL v1.1.3 AP/AR/POA&M JSON schemas (byte-identical to the NIST release assets)
# from the PyPI package oscal==2.0.0, whose wheel embeds NIST's release files in a SQLite DB.
set -euo pipefail
DEST="${1:-schemas/oscal/v1.1.3}"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
printf 'oscal==2.0.0 --hash=sha256:21c4f2763d14b2192343ecf49c58eb84cddeaf0cf4ac7e52f4081a0d4b15ea2a\n' > "$WORK/req.txt"
python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes -r "$WORK/req.txt" -d "$WORK"
mkdir -p "$DEST"
python3 - "$WORK"/oscal-2.0.0-py3-none-any.whl "$DEST" <<'PY'
import hashlib, io, sqlite3, sys, tempfile, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
want = {
  "oscal_assessment-results_schema.json": "d9e34757f0c12aff61f52b821f0b8f83ba0ba75b3a149a202b08ba82f82bc4c3",
  "oscal_assessment-plan_schema.json":    "0850be91252390dde740a98fd2f0fc504cd0ba66fe8940c2b6242b7aa2fb36eb",
  "oscal_poam_schema.json":               "e404043fef9cc6108c0e895932f513043d54f28457b4eb02e74dc0cff1215e16",
}
with zipfile.ZipFile(whl) as w, zipfile.ZipFile(io.BytesIO(w.read("oscal/data/oscal_support.zip"))) as z:
    db = z.read("oscal_support.db")
with tempfile.TemporaryDirectory() as t:
    p = os.path.join(t, "s.db"); open(p, "wb").write(db)
    c = sqlite3.connect(p)
    for name, sha in want.items():
        row = c.execute("select f.content from oscal_support s join filecache f on f.uuid = s.filecache_uuid "
                        "where s.version = 'v1.1.3' and s.type = 'json-schema' and f.filename = ?", (name,)).fetchone()
        if row is None: sys.exit(f"{name}: not found in package")
        b = row[0] if isinstance(row[0], bytes) else row[0].encode("utf-8")
        got = hashlib.sha256(b).hexdigest()
        if got != sha: sys.exit(f"{name}: sha256 {got} != {sha}")
        open(os.path.join(dest, name), "wb").write(b)
        print(f"{got}  {name}")
PY
