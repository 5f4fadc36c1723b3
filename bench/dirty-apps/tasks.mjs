// The dirty app of `npm run bench:dirty`: gunicorn's benchmark tasks, one at a time per dirty worker.
const cell = new Int32Array(new SharedArrayBuffer(4));

/** Blocking sleep, as time.sleep() in a gunicorn dirty worker (Atomics.wait: 10.10 ms for 10). */
function block(ms) {
  Atomics.wait(cell, 0, 0, ms);
}

/** CPU work: spin until this process has used `ms` of CPU time (not wall time: 4 workers share 2 cores). */
function spin(ms) {
  const start = process.cpuUsage();
  let n = 0;
  for (;;) {
    for (let i = 0; i < 2000; i++) n++;
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return n;
  }
}

export default {
  sleep(ms) {
    block(ms);
    return ms;
  },
  cpu(ms) {
    return spin(ms);
  },
  async io(ms) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  },
  mixed(cpuMs, sleepMs) {
    spin(cpuMs);
    block(sleepMs);
    return cpuMs + sleepMs;
  },
};
