import type { AuditEvent } from '@medplum/fhirtypes';
import { canonicalJson } from './canonical-json.js';

/**
 * The bytes a leaf hash covers. Line-based so any verifier can split it
 * without a JSON parser, and self-describing so a leaf moved to another
 * position (or log, or tenant) no longer matches where it sits:
 *
 *   xietong-audit-leaf/v1\n<log id>\n<seq>\n<tenant id>\n<canonical AuditEvent JSON>
 *
 * Canonical JSON never contains a raw newline, and log and tenant ids are
 * restricted to [A-Za-z0-9._:-], so the five fields are unambiguous.
 */
export const LEAF_FORMAT = 'xietong-audit-leaf/v1';

export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface LeafHeader {
  logId: string;
  seq: number;
  tenantId: string;
}

/** Encodes a leaf; its UTF-8 bytes are what gets hashed. */
export function encodeLeaf(header: LeafHeader, event: AuditEvent): string {
  return encodeLeafText(header, canonicalJson(event));
}

/** Encodes a leaf around an event already in canonical JSON (the audit queue stores it so). */
export function encodeLeafText(header: LeafHeader, canonicalEventJson: string): string {
  return `${LEAF_FORMAT}\n${header.logId}\n${header.seq}\n${header.tenantId}\n${canonicalEventJson}`;
}

/** Reads the header of a stored leaf; undefined when it is not a v1 leaf. */
export function decodeLeafHeader(data: string): (LeafHeader & { eventOffset: number }) | undefined {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < 4; i++) {
    const newline = data.indexOf('\n', start);
    if (newline < 0 || newline - start > 200) return undefined;
    fields.push(data.slice(start, newline));
    start = newline + 1;
  }
  const [format, logId, seqText, tenantId] = fields;
  if (format !== LEAF_FORMAT || !/^(0|[1-9]\d{0,15})$/.test(seqText)) return undefined;
  return { logId, seq: Number(seqText), tenantId, eventOffset: start };
}

/** Parses the AuditEvent out of a stored leaf. */
export function decodeLeafEvent(data: string): AuditEvent | undefined {
  const header = decodeLeafHeader(data);
  if (!header) return undefined;
  try {
    return JSON.parse(data.slice(header.eventOffset)) as AuditEvent;
  } catch {
    return undefined;
  }
}
