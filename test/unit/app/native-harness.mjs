// Runs in a plain Node process (no Vite module runner): loads apps with the compiled src/app so
// Node's own ESM/CommonJS loader is what gets exercised. Prints one JSON object per spec.
// argv: <compiled app/index.js> <cwd> <spec>...
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const [entry, cwd, ...specs] = process.argv.slice(2);
const { loadApp, parseAppSpec } = await import(pathToFileURL(entry).href);

async function once(handler) {
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}/`, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: await res.text() };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

const results = {};
for (const spec of specs) {
  try {
    const app = await loadApp(parseAppSpec(spec), { cwd });
    results[spec] = { kind: app.kind, ...(await once(app.handler)) };
    await app.close?.();
  } catch (err) {
    results[spec] = { code: err.code, message: err.message, cause: err.cause?.message };
  }
}
process.stdout.write(JSON.stringify(results));
