import { blockingKeys } from './blocking.js';
import { classify, scorePair, type MatchModel, type MatchOutcome, type MatchThresholds, type PairScore } from './match-model.js';
import { normalizePerson } from './normalize.js';
import type { PersonInput, PersonRecord } from './person-record.js';

/**
 * An in-memory index for online matching: the blocking keys of every indexed record, so that a new record is
 * compared only with records sharing a key, and scored with the same model and scorePair as the batch run.
 * The database-backed index will store the same keys in a table; this class is the reference behaviour.
 */
export class MatchIndex {
  private readonly records: PersonRecord[] = [];
  private readonly byKey = new Map<string, number[]>();

  constructor(
    private readonly model: MatchModel,
    private readonly maxBlockSize = 100,
  ) {}

  get size(): number {
    return this.records.length;
  }

  /** Adds a record to the index and returns its normalised form. */
  add(input: PersonInput): PersonRecord {
    const record = normalizePerson(input, this.records.length);
    this.records.push(record);
    for (const key of blockingKeys(record)) {
      const list = this.byKey.get(key);
      if (list) list.push(record.index);
      else this.byKey.set(key, [record.index]);
    }
    return record;
  }

  /**
   * Scores an incoming record against the indexed records it shares a blocking key with; best first, only
   * candidates at or above the review threshold (the ones a caller can act on).
   */
  findMatches(input: PersonInput, thresholds: MatchThresholds): IndexMatch[] {
    const probe = normalizePerson(input, -1);
    const seen = new Set<number>();
    const out: IndexMatch[] = [];
    for (const key of blockingKeys(probe)) {
      const list = this.byKey.get(key);
      if (!list || list.length > this.maxBlockSize) continue;
      for (const i of list) {
        if (seen.has(i)) continue;
        seen.add(i);
        const score = scorePair(this.model, probe, this.records[i]);
        const outcome = classify(score.logOdds, thresholds);
        if (outcome !== 'apart') out.push({ record: this.records[i], score, outcome });
      }
    }
    return out.sort((a, b) => b.score.logOdds - a.score.logOdds);
  }
}

export interface IndexMatch {
  record: PersonRecord;
  score: PairScore;
  outcome: MatchOutcome;
}
