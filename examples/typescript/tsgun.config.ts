// tsgun settings and hooks, typed by defineConfig (editor completion, and tsc checks them).
// Compiled to dist/tsgun.config.js: Node 20 cannot import .ts, so tsgun is pointed at the output.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsgun';

export default defineConfig({
  // Resolved next to this file, so the command works from any directory.
  app: `${fileURLToPath(new URL('./src/app.js', import.meta.url))}:createApp()`,
  workers: 2,
  workerClass: 'sync',
  gracefulTimeout: 10,
  whenReady(master) {
    master.log.info({ workers: master.workerCount }, 'typescript example ready');
  },
  postWorkerInit(worker) {
    worker.log.info({ pid: worker.pid }, 'worker initialised');
  },
});
