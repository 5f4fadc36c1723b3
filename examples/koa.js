// Koa 3: tsgun serves `app.callback()`. `npx tsgun examples/koa.js`
import Koa from 'koa';

const app = new Koa();

app.use(async (ctx, next) => {
  ctx.set('x-worker-pid', String(process.pid));
  await next();
});

app.use(async (ctx) => {
  ctx.body = { framework: 'koa', pid: process.pid, method: ctx.method, path: ctx.path };
});

export default app;
