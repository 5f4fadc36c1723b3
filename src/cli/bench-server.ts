/** Transitional re-export: bench/compare.ts (edited on another branch) still imports this path. Delete once it imports src/bench/. */
export * from '../bench/server.js';
