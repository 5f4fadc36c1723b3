// npm's install step: build the optional native helper (binding.gyp) with the node-gyp that npm
// ships, against Node's own headers. tsgun runs without it, so a failed build never fails the
// install: it prints one line saying so and exits 0.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

if (process.env.TSGUN_SKIP_NATIVE === '1') {
  console.log('tsgun: native helper not built (TSGUN_SKIP_NATIVE=1); tsgun runs without it');
  process.exit(0);
}
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp && existsSync(gyp) ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
// Build against the headers installed beside this node (Debian's /usr/include/node, or a Node
// tarball's include/) rather than letting node-gyp download them: these machines have no network.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const run = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (run.status === 0) {
  console.log('tsgun: native helper built (build/Release/tsgun_native.node)');
} else {
  const why = run.error ? run.error.message : (run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ');
  console.log(`tsgun: native helper not built; tsgun runs without it (${why})`);
}
