import { parentPort, workerData } from 'node:worker_threads';
import { comparatorByName } from './comparisons.js';
import { drainChunks, markFailed, type HelperMessage } from './compare-pairs.js';
import { normalizePerson } from './normalize.js';
import type { PersonInput } from './person-record.js';

/**
 * The comparison helper (see compare-pairs.ts): normalises the run's inputs into its own records, waits for the
 * candidate pairs, then takes chunks from the shared cursor until none is left.
 */
const { inputs, state } = workerData as { inputs: PersonInput[]; state: Int32Array };
try {
  const records = inputs.map((r, i) => normalizePerson(r, i));
  parentPort!.once('message', (message: HelperMessage) => {
    if (!message) process.exit(0);
    try {
      drainChunks({ ...message, records, state }, message.comparatorNames.map(comparatorByName));
    } catch {
      markFailed(state);
    }
  });
} catch {
  markFailed(state);
}
