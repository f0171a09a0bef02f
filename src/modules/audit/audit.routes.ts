import type { FastifyPluginAsync, onRequestHookHandler } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { HubError } from '../../platform/errors/index.js';
import { AuditErrors } from './errors.js';
import { privacyRoutes } from './privacy.routes.js';
import { proveConsistency, proveInclusion } from './proof.service.js';
import { listAuditPublicJwks, readLatestTreeHead, signTreeHead, treeHeadCheckpoint, type SignedTreeHead } from './tree-head.service.js';

export interface AuditPluginOptions {
  deps: AppDeps;
  /**
   * The access module's authenticate hook (createAuthenticateHook). Passed in
   * rather than imported: access records its own events through audit, so
   * audit must not import access (no import cycle).
   */
  authenticate: onRequestHookHandler;
}

/** Wire form of a signed tree head; binary values in base64 as in RFC 6962 §4.3 get-sth. */
function toWire(head: SignedTreeHead) {
  return {
    logId: head.logId,
    treeSize: head.treeSize,
    rootHash: head.rootHash.toString('base64'),
    timestamp: new Date(head.timestampMs).toISOString(),
    timestampMs: head.timestampMs,
    keyId: head.keyId,
    signatureAlgorithm: 'Ed25519',
    signature: head.signature.toString('base64'),
    /** The exact UTF-8 text the signature covers. */
    checkpoint: treeHeadCheckpoint(head),
  };
}

/** Reads a required non-negative integer query parameter, or throws an OperationOutcome-ready error. */
function readIndex(query: unknown, name: string, required = true): number | undefined {
  const raw = (query as Record<string, unknown> | undefined)?.[name];
  if (raw === undefined || raw === '') {
    if (!required) return undefined;
    throw new HubError(AuditErrors.INVALID_PARAMETER, `query parameter ${name} is required`, { expression: [name] });
  }
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new HubError(AuditErrors.INVALID_PARAMETER, `query parameter ${name} must be a non-negative integer, got ${JSON.stringify(raw)}`, { expression: [name] });
  }
  return Number(raw);
}

async function latestHeadOrThrow(deps: AppDeps): Promise<SignedTreeHead> {
  const head = await readLatestTreeHead(deps.db);
  if (!head) throw new HubError(AuditErrors.NO_TREE_HEAD, 'No signed tree head yet: POST /audit/tree-head signs one');
  return head;
}

/**
 * The audit log API: signed tree heads, inclusion and consistency proofs
 * (the reads of RFC 9162 §5, in JSON). Mounted at /audit. Every route needs
 * a token; only the public keys are open, so anyone can check a head.
 */
export const auditPlugin: FastifyPluginAsync<AuditPluginOptions> = async (app, { deps, authenticate }) => {
  app.addHook('onRequest', authenticate);

  app.get('/keys', { config: { public: true } }, async () => listAuditPublicJwks(deps.db));

  await app.register(privacyRoutes, { deps });

  app.get('/tree-head', async () => toWire(await latestHeadOrThrow(deps)));

  app.post('/tree-head', async (_request, reply) => reply.status(201).send(toWire(await signTreeHead(deps.db))));

  app.get('/proof/inclusion', async (request) => {
    const leaf = readIndex(request.query, 'leaf') as number;
    const treeSize = readIndex(request.query, 'treeSize', false) ?? (await latestHeadOrThrow(deps)).treeSize;
    const proof = await proveInclusion(deps.db, leaf, treeSize);
    return {
      leafIndex: proof.leafIndex,
      treeSize: proof.treeSize,
      leafHash: proof.leafHash.toString('base64'),
      auditPath: proof.auditPath.map((hash) => hash.toString('base64')),
    };
  });

  app.get('/proof/consistency', async (request) => {
    const first = readIndex(request.query, 'first') as number;
    const second = readIndex(request.query, 'second') as number;
    const proof = await proveConsistency(deps.db, first, second);
    return { first, second, consistencyPath: proof.map((hash) => hash.toString('base64')) };
  });
};
