export { buildLoggerOptions, REDACTED_PATHS, type HubLoggerOptions } from './logger-options.js';
