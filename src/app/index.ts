/** src/app: turn what the user exports into the engine's request handler. */
export { parseAppSpec, formatAppSpec } from './parse-spec.js';
export { loadApp, type LoadAppOptions } from './load.js';
export { classifyApp, adaptApp, STYLE_PROPERTY, type AppShape, type HandlerStyle } from './detect.js';
export { fromFetchHandler, toRequest, sendResponse, type FetchHandler, type FetchEnv } from './fetch-bridge.js';
export { requestScheme, requestOrigin, requestUrl, requestClientAddress, type Scheme } from './request-origin.js';
export type { AppSpec, AppKind, LoadedApp } from './types.js';
