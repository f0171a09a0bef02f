import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine } from '../../../test/support/db.js';
import type { Db, Queryable } from '../storage/index.js';
import { OutboxDispatcher, publishEvent, selectConsumerLag, type OutboxEvent } from './index.js';

let db: Db;

beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

/** A consumer that records what it saw for one tenant, in a table, inside the dispatcher's transaction. */
function recordingConsumer(name: string, tenantId: string, seen: string[], options: { failWith?: () => string | undefined } = {}) {
  return {
    name,
    startAt: 'now' as const,
    eventTypes: ['test.ping'],
    async handle(events: OutboxEvent[], tx: Queryable) {
      for (const e of events) {
        if (e.tenantId !== tenantId) continue;
        await tx.query('INSERT INTO outbox_test_effects (consumer, tag) VALUES ($1, $2)', [name, String((e.payload as { tag: string }).tag)]);
        const failure = options.failWith?.();
        if (failure) throw new Error(failure);
        seen.push((e.payload as { tag: string }).tag);
      }
    },
  };
}

async function publish(q: Queryable, tenantId: string, tag: string, eventType = 'test.ping') {
  await publishEvent(q, { tenantId, eventType, payload: { tag } });
}

async function effects(name: string): Promise<string[]> {
  const { rows } = await db.query<{ tag: string }>('SELECT tag FROM outbox_test_effects WHERE consumer = $1 ORDER BY id', [name]);
  return rows.map((r) => r.tag);
}

describe('outbox dispatcher', () => {
  beforeAll(async () => {
    await db.exec('CREATE TABLE IF NOT EXISTS outbox_test_effects (id bigserial PRIMARY KEY, consumer text NOT NULL, tag text NOT NULL)');
  });

  it('hands committed events to a consumer once, in commit order, filtered by type', async () => {
    const tenant = `t-${randomUUID()}`;
    const name = `c-${randomUUID()}`;
    const seen: string[] = [];
    const dispatcher = new OutboxDispatcher(db);
    dispatcher.register(recordingConsumer(name, tenant, seen));
    await dispatcher.drain(); // initialises the cursor at the end of the log
    await publish(db, tenant, 'one');
    await publish(db, tenant, 'other-type', 'test.other');
    await db.transaction(async (tx) => {
      await publish(tx, tenant, 'two');
      await publish(tx, tenant, 'three');
    });
    await expect(db.transaction(async (tx) => {
      await publish(tx, tenant, 'rolled-back');
      throw new Error('abort');
    })).rejects.toThrow('abort');
    await dispatcher.drain();
    await dispatcher.drain();
    expect(seen).toEqual(['one', 'two', 'three']);
    expect(await effects(name)).toEqual(['one', 'two', 'three']);
    const lag = (await selectConsumerLag(db)).find((l) => l.consumer === name);
    expect(lag).toMatchObject({ failures: 0, lastError: null });
  });

  it('rolls back a failing batch with its effects and retries it until it succeeds', async () => {
    const tenant = `t-${randomUUID()}`;
    const name = `c-${randomUUID()}`;
    const seen: string[] = [];
    let failing = true;
    const dispatcher = new OutboxDispatcher(db);
    dispatcher.register(recordingConsumer(name, tenant, seen, { failWith: () => (failing ? 'downstream is down' : undefined) }));
    await dispatcher.drain();
    await publish(db, tenant, 'a');
    await expect(dispatcher.drain()).rejects.toThrow('downstream is down');
    expect(await effects(name)).toEqual([]);
    const lag = (await selectConsumerLag(db)).find((l) => l.consumer === name);
    expect(lag?.failures).toBeGreaterThan(0);
    expect(lag?.lastError).toContain('downstream is down');
    failing = false;
    await dispatcher.drain();
    expect(await effects(name)).toEqual(['a']);
  });

  it('delivers from the background loop within a second of the commit', async () => {
    const tenant = `t-${randomUUID()}`;
    const name = `c-${randomUUID()}`;
    const seen: string[] = [];
    const dispatcher = new OutboxDispatcher(db, { intervalMs: 50 });
    dispatcher.register(recordingConsumer(name, tenant, seen));
    await dispatcher.drain();
    dispatcher.start();
    try {
      await publish(db, tenant, 'live');
      const deadline = Date.now() + 5_000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['live']);
    } finally {
      await dispatcher.stop();
    }
  });

  it('stops after the consumer batch in progress: the rest of the pass waits for the next start, nothing is lost', async () => {
    const tenant = `t-${randomUUID()}`;
    const [slowName, nextName] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    const [seenSlow, seenNext] = [[] as string[], [] as string[]];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let entered!: () => void;
    const inSlow = new Promise<void>((resolve) => { entered = resolve; });
    const recording = recordingConsumer(slowName, tenant, seenSlow);
    const slow = { ...recording, async handle(events: OutboxEvent[], tx: Queryable) { entered(); await gate; await recording.handle(events, tx); } };
    const dispatcher = new OutboxDispatcher(db, { intervalMs: 20 });
    dispatcher.register(slow);
    dispatcher.register(recordingConsumer(nextName, tenant, seenNext));
    await dispatcher.drain(); // both cursors start at the end of the log
    dispatcher.start();
    await publish(db, tenant, 'x');
    await inSlow;
    const stopping = dispatcher.stop();
    release();
    await stopping;
    expect(seenSlow).toEqual(['x']);
    expect(seenNext).toEqual([]);
    const restarted = new OutboxDispatcher(db);
    restarted.register(recordingConsumer(nextName, tenant, seenNext));
    await restarted.drain();
    expect(seenNext).toEqual(['x']);
  });

  it('keeps its place across a restart: a new dispatcher continues from the stored cursor', async () => {
    const tenant = `t-${randomUUID()}`;
    const name = `c-${randomUUID()}`;
    const first: string[] = [];
    const one = new OutboxDispatcher(db);
    one.register(recordingConsumer(name, tenant, first));
    await one.drain();
    await publish(db, tenant, 'before');
    await one.drain();
    await publish(db, tenant, 'while-down');
    const second: string[] = [];
    const two = new OutboxDispatcher(db);
    two.register(recordingConsumer(name, tenant, second));
    await two.drain();
    expect(first).toEqual(['before']);
    expect(second).toEqual(['while-down']);
  });

  it.skipIf(testEngine !== 'postgres')('never skips an event whose transaction commits after a later one', async () => {
    const tenant = `t-${randomUUID()}`;
    const name = `c-${randomUUID()}`;
    const seen: string[] = [];
    const dispatcher = new OutboxDispatcher(db);
    dispatcher.register(recordingConsumer(name, tenant, seen));
    await dispatcher.drain();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wroteSlow = new Promise<void>((resolve) => (written = resolve));
    const slow = db.transaction(async (tx) => {
      await publish(tx, tenant, 'slow'); // takes its sequence number first…
      written();
      await gate; // …but commits last
    });
    await wroteSlow;
    await publish(db, tenant, 'fast');
    // The fast event is committed, but handing it over now would move the cursor past "slow".
    await dispatcher.drain(200).catch(() => undefined);
    expect(seen).toEqual([]);
    release();
    await slow;
    await dispatcher.drain();
    expect(seen).toEqual(['slow', 'fast']);
  });

  it('replaces a consumer registered again under its name (an app rebuilt on the same deps)', async () => {
    const tenant = `t-${randomUUID()}`;
    const name = `c-${randomUUID()}`;
    const old: string[] = [];
    const current: string[] = [];
    const dispatcher = new OutboxDispatcher(db);
    dispatcher.register(recordingConsumer(name, tenant, old));
    await dispatcher.drain();
    dispatcher.register(recordingConsumer(name, tenant, current));
    await publish(db, tenant, 'once');
    await dispatcher.drain();
    expect(old).toEqual([]);
    expect(current).toEqual(['once']);
  });
});
