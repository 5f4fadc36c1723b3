// Fetch style (Bun / Cloudflare Workers shape): `export default { fetch }`, Request in,
// Response out. `npx tsgun examples/fetch.mjs`
export default {
  fetch(request) {
    return Response.json(
      { method: request.method, url: request.url, pid: process.pid },
      { headers: { 'x-worker-pid': String(process.pid) } },
    );
  },
};
