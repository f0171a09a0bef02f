import { evalFhirPathTyped, getSearchParameterDetails, getSearchParameters, parseFhirPath, toTypedValue, type TypedValue } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../../../fhir/definitions.js';
import { compilePath } from './compile-path.js';

/** The search-parameter types this hub indexes (composite and special are not indexed). */
export type IndexedParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri';

type FhirPathExpression = ReturnType<typeof parseFhirPath>;

/** A search parameter prepared for one resource type: its expression parsed once. */
export interface PreparedParam {
  code: string;
  type: SearchParameter['type'];
  /** Expression narrowed to this resource type and parsed; undefined for params without one. */
  expression?: FhirPathExpression;
  /** Evaluates the expression on a resource: the compiled fast path, else @medplum/core's evaluator. */
  evaluate?: (resource: object) => TypedValue[];
  /** Resource types a reference parameter may point at. */
  targets: readonly string[];
  definition: SearchParameter;
}

export interface ResourceSearchParams {
  resourceType: string;
  /** Every standard FHIR R4 parameter of the type, by code. */
  byCode: ReadonlyMap<string, PreparedParam>;
  /** The parameters the index writer evaluates on every write. */
  indexed: readonly PreparedParam[];
}

const INDEXED_TYPES: ReadonlySet<string> = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);
/**
 * Parameters answered from fhir_resources columns (`_id`, `_lastUpdated`), so
 * never indexed; `_text`/`_content`/`_list`/`_query` need engines we do not run.
 */
const COLUMN_PARAMS: ReadonlySet<string> = new Set(['_id', '_lastUpdated']);
/** Resource-level parameters indexed for every type (https://hl7.org/fhir/R4/search.html#all). */
const RESOURCE_LEVEL: ReadonlySet<string> = new Set(['_tag', '_profile', '_security', '_source']);
const HL7_PREFIX = 'http://hl7.org/fhir/SearchParameter/';
/**
 * `phonetic` means a phonetic match (Soundex and the like); indexing it as plain
 * strings would give wrong answers and duplicate every name row, so it is
 * reported as not supported until a phonetic (or pinyin) matcher exists.
 */
const NOT_INDEXED: ReadonlySet<string> = new Set(['phonetic']);

const cache = new Map<string, ResourceSearchParams | null>();

/**
 * Returns the prepared search parameters of a resource type, or undefined when
 * the type is not a FHIR R4 resource type. Expressions are parsed once per
 * process and per type, because indexing runs on every write.
 */
export function getResourceSearchParams(resourceType: string): ResourceSearchParams | undefined {
  const hit = cache.get(resourceType);
  if (hit !== undefined) return hit ?? undefined;
  loadFhirDefinitions();
  const params = getSearchParameters(resourceType);
  if (!params || !/^[A-Z][A-Za-z]+$/.test(resourceType)) {
    cache.set(resourceType, null);
    return undefined;
  }
  const byCode = new Map<string, PreparedParam>();
  for (const [code, definition] of Object.entries(params)) {
    // @medplum/core adds its own parameters (_project, _compartment...): keep only standard R4 ones.
    if (!definition.url?.startsWith(HL7_PREFIX)) continue;
    byCode.set(code, prepareParam(resourceType, code, definition));
  }
  // Parameters defined on Resource (meta.tag, meta.profile...) are not listed per type: add them to each type.
  for (const [code, definition] of Object.entries(getSearchParameters('Resource') ?? {})) {
    if (!RESOURCE_LEVEL.has(code) || byCode.has(code) || !definition.expression) continue;
    const narrowed = { ...definition, expression: definition.expression.replace(/^Resource\./, `${resourceType}.`) };
    byCode.set(code, prepareParam(resourceType, code, narrowed));
  }
  const indexed = [...byCode.values()].filter(
    (p) => INDEXED_TYPES.has(p.type) && !COLUMN_PARAMS.has(p.code) && p.expression !== undefined,
  );
  const prepared = { resourceType, byCode, indexed };
  cache.set(resourceType, prepared);
  return prepared;
}

function prepareParam(resourceType: string, code: string, definition: SearchParameter): PreparedParam {
  const targets = definition.target ?? [];
  if (!definition.expression || NOT_INDEXED.has(code)) return { code, type: definition.type, targets, definition };
  let expression: FhirPathExpression | undefined;
  try {
    // Narrows shared expressions like `Patient.name | Practitioner.name` to this type.
    expression = getSearchParameterDetails(resourceType, definition).parsedExpression;
  } catch {
    // A few expressions use FHIRPath functions the details crawler does not know; evaluate them whole.
    expression = parseFhirPath(definition.expression);
  }
  const compiled = compilePath(resourceType, expression.toString());
  const general = expression;
  const evaluate = compiled ?? ((resource: object): TypedValue[] => evalFhirPathTyped(general, [toTypedValue(resource)]));
  return { code, type: definition.type, expression, evaluate, targets, definition };
}

/** The general evaluator only, for checking the compiled paths against it. */
export function evaluateWithFhirPath(param: PreparedParam, resource: object): TypedValue[] {
  return param.expression ? evalFhirPathTyped(param.expression, [toTypedValue(resource)]) : [];
}
