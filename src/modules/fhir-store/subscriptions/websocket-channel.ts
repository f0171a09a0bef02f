import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RequestContext } from '../../../platform/context/request-context.js';
import type { Queryable } from '../../../platform/storage/index.js';
import { selectSubscription } from './subscription.repo.js';

/** Verifies the bearer token of an upgrade request; resolves the caller or throws. */
export type Authenticate = (authorization: string | undefined) => Promise<RequestContext>;

/**
 * The R4 websocket channel (https://hl7.org/fhir/R4/subscription.html#2.46.7.2):
 * the client opens a socket, sends `bind <subscription-id>`, receives
 * `bound <id>`, and then `ping <id>` for each notification. The upgrade needs
 * the caller's bearer token, and a socket binds only Subscriptions of the
 * caller's own tenant (ids are per tenant, so the tenant is part of the key).
 */
export class WebsocketChannel {
  private readonly wss = new WebSocketServer({ noServer: true });
  /** `tenant/subscriptionId` → bound sockets. */
  private readonly bindings = new Map<string, Set<WebSocket>>();

  constructor(
    private readonly db: Queryable,
    private readonly path: string,
    private readonly authenticate: Authenticate,
  ) {}

  /** Handles upgrades to `path` on this HTTP server; other upgrades are left alone. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(request.url ?? '/', 'http://x').pathname !== this.path) return;
      this.authenticate(request.headers.authorization).then(
        (ctx) => this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, ctx)),
        () => {
          socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="xietong"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        },
      );
    });
  }

  private accept(ws: WebSocket, ctx: RequestContext): void {
    const mine = new Set<string>();
    ws.on('message', (data) => {
      const text = data.toString().trim();
      const m = /^bind\s+([A-Za-z0-9\-.]{1,64})$/.exec(text);
      if (!m) {
        ws.send(`error unknown command: ${text.slice(0, 80)}`);
        return;
      }
      const id = m[1];
      void selectSubscription(this.db, ctx.tenantId, id).then(
        (sub) => {
          if (!sub || sub.channel?.type !== 'websocket') {
            ws.send(`error ${id} is not a websocket Subscription of this institution`);
            return;
          }
          const key = `${ctx.tenantId}/${id}`;
          const set = this.bindings.get(key) ?? new Set<WebSocket>();
          set.add(ws);
          this.bindings.set(key, set);
          mine.add(key);
          ws.send(`bound ${id}`);
        },
        () => ws.send(`error ${id} could not be bound`),
      );
    });
    ws.on('close', () => {
      for (const key of mine) {
        const set = this.bindings.get(key);
        set?.delete(ws);
        if (set && set.size === 0) this.bindings.delete(key);
      }
    });
  }

  /** The `tenant/id` keys bound in this process (their deliveries are taken here). */
  boundKeys(): string[] {
    return [...this.bindings.keys()];
  }

  /** Sends `ping <id>` to every socket bound to the Subscription; returns how many got it. */
  ping(tenantId: string, subscriptionId: string): number {
    let sent = 0;
    for (const ws of this.bindings.get(`${tenantId}/${subscriptionId}`) ?? []) {
      if (ws.readyState === ws.OPEN) {
        ws.send(`ping ${subscriptionId}`);
        sent += 1;
      }
    }
    return sent;
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.bindings.clear();
    this.wss.close();
  }
}
