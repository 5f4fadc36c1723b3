// A TypeScript Express app, compiled to dist/src/app.js by `tsc -p examples/typescript`.
import express, { type Request, type Response } from 'express';

interface Greeting {
  readonly greeting: string;
  readonly pid: number;
}

export function createApp(): express.Express {
  const app = express();
  app.use(express.json());
  app.get('/', (req: Request, res: Response<Greeting>) => {
    res.json({ greeting: 'hello from compiled TypeScript', pid: process.pid });
  });
  app.post('/echo', (req: Request<unknown, unknown, unknown>, res: Response) => {
    res.json({ body: req.body });
  });
  return app;
}
