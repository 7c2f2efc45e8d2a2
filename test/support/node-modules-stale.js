// Exits 0 when node_modules matches package-lock.json, 1 when it is missing or stale (run `npm ci`).
// It compares the lockfile with npm's own record of what it installed, node_modules/.package-lock.json.
// Plain CommonJS: it runs before dependencies (and TypeScript tooling) are installed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    console.log(`node_modules check: cannot read ${path.relative(root, file)} (${err.code || err.message})`);
    return null;
  }
}

function stale() {
  const wanted = readJson(path.join(root, 'package-lock.json'));
  const installed = readJson(path.join(root, 'node_modules', '.package-lock.json'));
  if (wanted === null || installed === null) return true;
  const want = wanted.packages || {};
  const have = installed.packages || {};
  const fields = ['version', 'resolved', 'integrity', 'link'];
  for (const [key, entry] of Object.entries(want)) {
    if (key === '') continue;
    const got = have[key];
    if (got === undefined) {
      // Optional packages for other platforms (esbuild's, swc's) are never installed here.
      if (entry.optional) continue;
      console.log(`node_modules check: ${key} is not installed`);
      return true;
    }
    for (const field of fields) {
      if (entry[field] !== got[field]) {
        console.log(`node_modules check: ${key} ${field} is ${got[field]}, the lockfile wants ${entry[field]}`);
        return true;
      }
    }
  }
  for (const key of Object.keys(have)) {
    if (!(key in want)) {
      console.log(`node_modules check: ${key} is installed but not in the lockfile`);
      return true;
    }
  }
  return false;
}

process.exit(stale() ? 1 : 0);
