/** tsgun's public API. */
export { serve, type ServerHandle, type EmbedOptions } from './serve.js';
export { defineConfig } from './config/index.js';
export type { Settings, Hooks, ConfigFile, ServeOptions, MasterView, WorkerView } from './config/index.js';
export type { ListenerAddress } from './master/listeners.js';
export type { RequestHandler } from './http/types.js';
export { requestScheme, requestOrigin, requestUrl, requestClientAddress } from './app/request-origin.js';
export { TsgunError, EXIT, WORKER_EXIT, ERRORS, type ErrorCode } from './errors.js';
export { dirty, type Dirty } from './dirty/client.js';
export { VERSION } from './version.js';
