/** `tsgun bench APP`: the entry only; the library lives in src/bench/. */
export { runBenchCommand, type BenchIo } from '../bench/run-bench.js';
