import { getResourceTypes } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../../fhir/definitions.js';
import { compositeComponents } from './search/filter-parser.js';
import { getResourceSearchParams, type ResourceSearchParams } from './search/search-params.js';

const ABSTRACT = new Set(['Resource', 'DomainResource']);

function describeResource(type: string): CapabilityStatementRestResource {
  // Exactly the parameters the index writer evaluates (search/search-params.ts), so the statement tells the truth.
  const searchable = getResourceSearchParams(type);
  const params = [
    ...(searchable?.indexed ?? []).map((p) => ({ name: p.code, definition: p.definition.url, type: p.type })),
    ...(searchable ? supportedComposites(searchable) : []),
  ].sort((a, b) => a.name.localeCompare(b.name));
  const interactions = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create'];
  if (searchable) interactions.push('search-type');
  const references = (searchable?.indexed ?? []).filter((p) => p.type === 'reference');
  return {
    type: type as CapabilityStatementRestResource['type'],
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'not-supported',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    referencePolicy: ['literal', 'local'],
    interaction: interactions.map((code) => ({
      code: code as 'read',
    })),
    // _include / _revinclude with :iterate (search/include.service.ts); '*' follows every reference.
    searchInclude: searchable ? ['*', ...references.map((p) => `${type}:${p.code}`)] : undefined,
    searchRevInclude: searchable ? getRevIncludes().get(type) ?? [] : undefined,
    searchParam: !searchable ? undefined : [
      { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
      { name: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
      ...params,
    ],
    operation: type === 'Patient' ? PATIENT_OPERATIONS : undefined,
  };
}

/** Patient operations: $everything (fhir-store), $match and $ihe-pix (the identity module's routes under /fhir). */
const PATIENT_OPERATIONS = [
  { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
  { name: 'match', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-match' },
  { name: 'ihe-pix', definition: 'https://profiles.ihe.net/ITI/PIXm/OperationDefinition/IHE.PIXm.pix' },
];

/** Composite parameters the hub answers (those over the resource root, search/filter-parser.ts). */
function supportedComposites(searchable: ResourceSearchParams): { name: string; definition?: string; type: 'composite' }[] {
  return [...searchable.byCode.values()]
    .filter((p) => p.type === 'composite' && compositeComponents(p, searchable))
    .map((p) => ({ name: p.code, definition: p.definition.url, type: 'composite' as const }));
}

let revIncludes: Map<string, string[]> | undefined;

/** For each type, the `Source:param` values of every reference parameter that may point at it. */
function getRevIncludes(): Map<string, string[]> {
  if (revIncludes) return revIncludes;
  const map = new Map<string, string[]>();
  for (const source of getResourceTypes()) {
    for (const p of getResourceSearchParams(source)?.indexed ?? []) {
      if (p.type !== 'reference') continue;
      for (const target of p.targets) map.set(target, [...(map.get(target) ?? []), `${source}:${p.code}`]);
    }
  }
  for (const list of map.values()) list.sort();
  revIncludes = map;
  return map;
}

let cached: Omit<CapabilityStatement, 'date' | 'implementation'> | undefined;

/**
 * The CapabilityStatement (https://hl7.org/fhir/R4/capabilitystatement.html):
 * every R4 resource type with the interactions and search parameters this
 * server really implements, SMART Backend Services security, batch and
 * transaction at the system level.
 */
export function buildCapabilityStatement(baseUrl: string, version: string): CapabilityStatement {
  loadFhirDefinitions();
  cached ??= {
    resourceType: 'CapabilityStatement',
    status: 'active',
    kind: 'instance',
    name: 'Xietong',
    title: 'Xietong (协同) regional care-collaboration hub',
    publisher: 'Xietong',
    fhirVersion: '4.0.1',
    instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    software: { name: 'Xietong', version },
    rest: [
      {
        mode: 'server',
        security: {
          cors: false,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          description: 'OAuth2 bearer tokens from SMART Backend Services (client_credentials with private_key_jwt) or console sign-in.',
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: `${baseUrl}/auth/token` }],
            },
          ],
        },
        resource: getResourceTypes()
          .filter((t) => !ABSTRACT.has(t))
          .sort()
          .map(describeResource),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
        compartment: ['http://hl7.org/fhir/CompartmentDefinition/patient'],
        documentation: 'Search supports chaining over local references (several levels, with or without a :Type), reverse chaining (_has, nested), _include/_revinclude with :iterate, _summary, _elements, _sort, _total and compartment search on Patient/[id]/[type]. See src/modules/fhir-store/search/README.md.',
        // Bulk Data export (bulk-export/README.md) and the R4 Subscription websocket channel (subscriptions/README.md).
        operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }],
        extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket', valueUrl: `${baseUrl.replace(/^http/, 'ws')}/fhir/ws` }],
      },
    ],
  };
  return { ...cached, date: new Date().toISOString(), implementation: { description: 'Xietong hub', url: `${baseUrl}/fhir` } } as CapabilityStatement;
}
