import WebSocket from 'ws';

/**
 * `@medplum/core` expects a global WebSocket at import time (Node ≥ 22 has
 * one). On Node 20 we provide the `ws` implementation. Import this module
 * before anything that imports `@medplum/core` (main.ts, test setup, bench).
 */
const g = globalThis as unknown as { WebSocket?: unknown };
if (typeof g.WebSocket === 'undefined') g.WebSocket = WebSocket;
