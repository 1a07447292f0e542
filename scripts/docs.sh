#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Render the documentation's pictures: docs/states.dot -> docs/states.png (Graphviz).
# The PNG is committed, so reading the docs needs nothing; this is for changing them.
set -euo pipefail
XDAX_TOP=$(cd "$(dirname "$0")/.." && pwd)
source "$XDAX_TOP/scripts/lib.sh"
XDAX_HOST_PKGS=(graphviz)
host_setup
dot -Tpng -Gdpi=110 -o "$XDAX_TOP/docs/states.png" "$XDAX_TOP/docs/states.dot"
log "docs/states.png from docs/states.dot"
