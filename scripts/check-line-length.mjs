#!/usr/bin/env node
/**
 * The line-length half of the lint gate (Biome's linter has no max-length rule; its formatter
 * wraps code at 140 but cannot split a long string or comment): every line of the library's
 * sources (src/, bin/, scripts/ by default) is at most 140 characters. Plain Node, no build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX = 140;
const EXTENSIONS = /\.(ts|mts|js|mjs|cjs)$/;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* files(path);
    } else if (EXTENSIONS.test(entry.name)) {
      yield path;
    }
  }
}

const roots = process.argv.length > 2 ? process.argv.slice(2) : ['src', 'bin', 'scripts'];
const long = [];
for (const root of roots) {
  for (const file of files(root)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        // Characters, not UTF-16 units: the box-drawing rules in comments count one each.
        const length = [...line].length;
        if (length > MAX) long.push(`${file}:${i + 1}: ${length} characters`);
      });
  }
}
if (long.length > 0) {
  process.stderr.write(`${long.join('\n')}\n${long.length} line(s) longer than ${MAX} characters\n`);
  process.exit(1);
}
