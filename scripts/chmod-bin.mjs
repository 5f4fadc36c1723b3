// After tsc: make the compiled CLI entry executable. npm sets the mode only when it links a bin
// (a fresh install); a rebuild, or `npx tsgun` reusing a cached link to this checkout, would
// otherwise find the file without its x bit ("sh: tsgun: Permission denied").
import { chmodSync, readFileSync } from 'node:fs';

const { bin } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const file of Object.values(bin)) chmodSync(new URL(`../${file}`, import.meta.url), 0o755);
