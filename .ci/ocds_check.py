#!/usr/bin/env python3
"""Fetch every OCDS release package page and every record package from a
running cogov, and validate each with ../shared/ocds-1.1/validate.py.
Usage: ocds_check.py BASE_URL VALIDATE_PY. Exits 1 on any schema error."""
import json
import subprocess
import sys
import tempfile
import urllib.request


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def validate(validator, kind, package):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(package, f, ensure_ascii=False)
    out = subprocess.run([sys.executable, validator, kind, f.name], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stdout[-4000:])
    return out.returncode == 0


def main():
    base, validator = sys.argv[1].rstrip("/"), sys.argv[2]
    url, ok, ocids, releases = f"{base}/api/v1/open/ocds/releases?limit=100", True, [], 0
    while url:
        page = fetch(url)
        releases += len(page["releases"])
        ok &= validate(validator, "release-package", page)
        for r in page["releases"]:
            if r["ocid"] not in ocids:
                ocids.append(r["ocid"])
        url = page.get("links", {}).get("next")
    for ocid in ocids:
        ok &= validate(validator, "record-package", fetch(f"{base}/api/v1/open/ocds/records/{ocid}"))
    print(f"{releases} releases and {len(ocids)} records checked: {'0 errors' if ok else 'ERRORS'}")
    if releases == 0:
        print("no releases: the demo data should have some")
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
