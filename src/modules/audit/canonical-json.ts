/**
 * Canonical JSON in the sense of RFC 8785 (JCS): object members sorted by
 * UTF-16 code units, no insignificant whitespace, ECMAScript number and
 * string serialisation. The same AuditEvent always yields the same bytes, so
 * anyone can recompute a leaf hash from the stored event.
 * https://www.rfc-editor.org/rfc/rfc8785
 */
export function canonicalJson(value: unknown): string {
  const out = serialise(value, '$');
  if (out === undefined) throw new TypeError('canonicalJson: value is not representable in JSON');
  return out;
}

function serialise(value: unknown, path: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is not a finite number`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError(`canonicalJson: ${path} is a bigint`);
    default:
      break;
  }
  const object = value as { toJSON?: () => unknown };
  if (typeof object.toJSON === 'function') return serialise(object.toJSON(), path);
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => serialise(item, `${path}[${i}]`) ?? 'null').join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = serialise(record[key], `${path}.${key}`);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}
