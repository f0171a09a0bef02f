import type { Filter } from './filter-parser.js';

/**
 * How well a top-level filter drives a page (lower is more selective as a rule;
 * Infinity: it cannot). A guess from the parameter's kind, not from statistics:
 * a reference or identifier names few resources, a code or a name prefix more,
 * a date or number range many. Ties go to the first filter.
 */
export function driverRank(f: Filter): number {
  switch (f.kind) {
    case 'reference': case 'compartment': return 10;
    case 'token':
      if (f.not) return Infinity;
      if (f.values.some((v) => v.code === undefined)) return 60;
      return f.code === 'identifier' || f.code.endsWith(':identifier') ? 10 : 30;
    case 'string': return f.modifier === 'exact' ? 20 : f.modifier === 'starts' ? 30 : 40;
    case 'uri': return f.modifier === 'above' ? Infinity : 30;
    case 'chain': return f.targets.length === 1 ? 35 : Infinity;
    case 'tokenText': return 40;
    case 'date': case 'number': case 'quantity': return 50;
    case 'has': return 60;
    case 'missing': return f.missing ? Infinity : 70;
    default: return Infinity;
  }
}
