#!/usr/bin/env python3
"""Copy HPKE for the browser (@hpke/core and @hpke/common, pinned in package.json) from
node_modules/ into src/madoguchi/static/madoguchi/vendor/hpke/.

The staff page that opens an encrypted application in the browser (integrations'
``browser-open.js``) imports ``vendor/hpke/core/esm/mod.js``. The packages' ES modules are
copied as they are, with one change: @hpke/core imports its sibling package by the bare name
``"@hpke/common"``, which a browser cannot resolve without an import map (an inline script,
which the Content-Security-Policy refuses); each such import line points at
``.../common/esm/mod.js`` by a relative path instead. integrations/tests/test_browser_open_assets.py
checks the copy against node_modules/ with the same rule.

    npm ci && python3 scripts/vendor-hpke.py
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NODE = REPO / "node_modules" / "@hpke"
VENDORED = REPO / "src" / "madoguchi" / "static" / "madoguchi" / "vendor" / "hpke"
PACKAGES = ("core", "common")
# An import or export statement (never a doc comment) that names the sibling package.
BARE_IMPORT = re.compile(r'^((?:import|export) .* from )"@hpke/common";$', re.MULTILINE)


def vendored_text(package: str, relative: Path, text: str) -> str:
    """A module's text as vendored: the bare ``"@hpke/common"`` made a relative URL."""
    here = (VENDORED / package / "esm" / relative).parent
    target = os.path.relpath(VENDORED / "common" / "esm" / "mod.js", here)
    return BARE_IMPORT.sub(lambda match: f'{match.group(1)}"{target}";', text)


def sources(package: str) -> list[Path]:
    """The package's ES modules (no type declarations or source maps), relative to esm/."""
    root = NODE / package / "esm"
    return sorted(path.relative_to(root) for path in root.rglob("*.js"))


def main() -> int:
    if not NODE.is_dir():
        print("node_modules/@hpke is missing: run `npm ci` first", file=sys.stderr)
        return 1
    shutil.rmtree(VENDORED / "core", ignore_errors=True)
    shutil.rmtree(VENDORED / "common", ignore_errors=True)
    for package in PACKAGES:
        for relative in sources(package):
            text = (NODE / package / "esm" / relative).read_text(encoding="utf-8")
            target = VENDORED / package / "esm" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(vendored_text(package, relative, text), encoding="utf-8")
        shutil.copyfile(NODE / package / "LICENSE", VENDORED / package / "LICENSE")
        shutil.copyfile(NODE / package / "package.json", VENDORED / package / "package.json")
    print(f"vendored @hpke/{{{','.join(PACKAGES)}}} into {VENDORED.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
