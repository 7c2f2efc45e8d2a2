#!/bin/sh
# Stands in for Prisma's schema-engine binary, which this project never downloads: schema work runs
# on the WebAssembly engine (tools/prisma/schema-engine.mjs). See docs/adr/0004-relational-data.md.
echo "parley: no schema-engine binary; use node tools/prisma/schema-diff.mjs" >&2
exit 1
