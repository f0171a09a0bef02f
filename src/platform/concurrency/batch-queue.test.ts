import { describe, expect, it } from 'vitest';
import { BatchQueue } from './batch-queue.js';

/** A runner that records its batches and answers each item after the test releases it. */
function recordingRunner() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const run = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    return items.map((n) => (n < 0 ? new Error(`bad ${n}`) : n * 10));
  };
  const releaseAll = async () => {
    while (gates.length) gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batches, run, releaseAll };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchQueue', () => {
  it('sends a lone item at once, alone', async () => {
    const r = recordingRunner();
    const queue = new BatchQueue(r.run, { maxBatch: 10, maxInFlight: 1 });
    const result = queue.submit(4);
    await tick();
    expect(r.batches).toEqual([[4]]);
    await r.releaseAll();
    await expect(result).resolves.toBe(40);
  });

  it('groups items that arrive together, and those that wait for a busy slot', async () => {
    const r = recordingRunner();
    const queue = new BatchQueue(r.run, { maxBatch: 10, maxInFlight: 1 });
    const first = [1, 2, 3].map((n) => queue.submit(n));
    await tick();
    expect(r.batches).toEqual([[1, 2, 3]]);
    const later = [4, 5].map((n) => queue.submit(n));
    await tick();
    expect(r.batches).toHaveLength(1); // the only slot is busy: 4 and 5 wait
    expect(queue.pending).toBe(2);
    await r.releaseAll();
    await tick();
    expect(r.batches).toEqual([[1, 2, 3], [4, 5]]);
    await r.releaseAll();
    expect(await Promise.all([...first, ...later])).toEqual([10, 20, 30, 40, 50]);
  });

  it('never sends more than maxBatch items or more than maxInFlight batches at once', async () => {
    const r = recordingRunner();
    const queue = new BatchQueue(r.run, { maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5, 6, 7].map((n) => queue.submit(n));
    await tick();
    expect(r.batches).toEqual([[1, 2], [3, 4]]);
    expect(queue.pending).toBe(3);
    await r.releaseAll();
    await tick();
    expect(r.batches).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
    await r.releaseAll();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60, 70]);
  });

  it('fails only the item whose result is an Error', async () => {
    const r = recordingRunner();
    const queue = new BatchQueue(r.run, { maxBatch: 10, maxInFlight: 1 });
    const results = [1, -2, 3].map((n) => queue.submit(n).then((v) => v, (e: Error) => e.message));
    await tick();
    await r.releaseAll();
    expect(await Promise.all(results)).toEqual([10, 'bad -2', 30]);
  });

  it('fails every item of a batch whose runner throws, then carries on', async () => {
    let calls = 0;
    const queue = new BatchQueue(async (items: number[]) => {
      calls++;
      if (calls === 1) throw new Error('database down');
      return items;
    }, { maxBatch: 10, maxInFlight: 1 });
    const failed = [1, 2].map((n) => queue.submit(n).catch((e: Error) => e.message));
    expect(await Promise.all(failed)).toEqual(['database down', 'database down']);
    await expect(queue.submit(3)).resolves.toBe(3);
  });

  it('rejects a runner that answers the wrong number of items', async () => {
    const queue = new BatchQueue(async () => [1], { maxBatch: 10, maxInFlight: 1 });
    const results = [1, 2].map((n) => queue.submit(n).catch((e: Error) => e.message));
    expect(await Promise.all(results)).toEqual([
      'BatchQueue: runner returned 1 results for 2 items',
      'BatchQueue: runner returned 1 results for 2 items',
    ]);
  });

  it('refuses limits below 1', () => {
    expect(() => new BatchQueue(async (items: number[]) => items, { maxBatch: 0, maxInFlight: 1 })).toThrow(/at least 1/);
    expect(() => new BatchQueue(async (items: number[]) => items, { maxBatch: 1, maxInFlight: 0 })).toThrow(/at least 1/);
  });
});
