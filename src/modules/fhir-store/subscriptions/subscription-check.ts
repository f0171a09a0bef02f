import type { Subscription } from '@medplum/fhirtypes';
import { HubError } from '../../../platform/errors/index.js';
import { parseSearchQuery } from '../search/query-parser.js';
import { assertResourceType } from '../validation.js';
import { SubscriptionErrors } from './errors.js';

/** The channel types this hub delivers (https://hl7.org/fhir/R4/valueset-subscription-channel-type.html). */
export const SUPPORTED_CHANNELS: ReadonlySet<string> = new Set(['rest-hook', 'websocket']);
const SUPPORTED_PAYLOADS: ReadonlySet<string> = new Set(['application/fhir+json', 'application/json']);
/** Result parameters shape a page of results; a notification has none, so they make no sense in criteria. */
const RESULT_PARAMS: ReadonlySet<string> = new Set(['_include', '_revinclude', '_sort', '_count', '_offset', '_summary', '_elements', '_total', '_contained', '_containedType']);
const HEADER_RE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*)$/;

/** A Subscription's criteria, split: the resource type and the query as parsed search parameters. */
export interface ParsedCriteria {
  resourceType: string;
  query: Record<string, string | string[]>;
  /** The query string as given (without `Type?`), reused as search criteria. */
  queryString: string;
}

/**
 * Parses and checks `Subscription.criteria` (`Observation?code=…&subject=…`,
 * https://hl7.org/fhir/R4/subscription-definitions.html#Subscription.criteria)
 * with the store's own strict search parser, so a criterion the store cannot
 * evaluate is rejected now instead of never matching later.
 */
export function parseCriteria(criteria: string | undefined): ParsedCriteria {
  const bad = (message: string, cause?: unknown): HubError =>
    new HubError(SubscriptionErrors.INVALID_CRITERIA, message, { expression: ['Subscription.criteria'], cause });
  if (!criteria || !criteria.trim()) throw bad('Subscription.criteria is required');
  const match = /^([A-Za-z]+)(?:\?(.*))?$/s.exec(criteria.trim());
  if (!match) throw bad(`Subscription.criteria "${criteria}" is not of the form Type?parameters`);
  const [, resourceType, queryString = ''] = match;
  try {
    assertResourceType(resourceType);
  } catch (err) {
    throw bad(`Subscription.criteria names an unknown resource type "${resourceType}"`, err);
  }
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(queryString)) {
    if (RESULT_PARAMS.has(key.split(':')[0])) throw bad(`Subscription.criteria may not use the result parameter ${key}`);
    const prev = query[key];
    query[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  try {
    parseSearchQuery(resourceType, query, { defaultPageSize: 1, maxPageSize: 1, strict: true, baseUrl: '' });
  } catch (err) {
    throw bad(`Subscription.criteria: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return { resourceType, query, queryString };
}

/** Splits `Authorization: Bearer x` into a name and a value; throws on anything else. */
export function parseChannelHeader(header: string): [string, string] {
  const m = HEADER_RE.exec(header);
  if (!m || /[\r\n]/.test(header)) {
    throw new HubError(SubscriptionErrors.INVALID_HEADER, `Subscription.channel.header "${header}" is not "Name: value"`, { expression: ['Subscription.channel.header'] });
  }
  return [m[1], m[2]];
}

/**
 * Checks what the hub needs to run a Subscription beyond the R4 structure
 * (already validated by the store): a supported channel, an http(s) endpoint
 * for rest-hooks, a supported payload, well-formed headers and criteria.
 */
export function checkSubscription(subscription: Subscription): ParsedCriteria {
  const channel = subscription.channel;
  const type = channel?.type;
  if (!type || !SUPPORTED_CHANNELS.has(type)) {
    throw new HubError(SubscriptionErrors.UNSUPPORTED_CHANNEL, `Subscription.channel.type "${type ?? ''}" is not supported; use rest-hook or websocket`, {
      expression: ['Subscription.channel.type'],
    });
  }
  if (type === 'rest-hook') {
    let url: URL | undefined;
    try {
      url = channel.endpoint ? new URL(channel.endpoint) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new HubError(SubscriptionErrors.INVALID_ENDPOINT, `A rest-hook needs an http(s) Subscription.channel.endpoint, got "${channel.endpoint ?? ''}"`, {
        expression: ['Subscription.channel.endpoint'],
      });
    }
    if (channel.payload && !SUPPORTED_PAYLOADS.has(channel.payload.split(';')[0].trim())) {
      throw new HubError(SubscriptionErrors.UNSUPPORTED_PAYLOAD, `Subscription.channel.payload "${channel.payload}" is not supported; use application/fhir+json or leave it empty`, {
        expression: ['Subscription.channel.payload'],
      });
    }
  }
  for (const header of channel.header ?? []) parseChannelHeader(header);
  return parseCriteria(subscription.criteria);
}
