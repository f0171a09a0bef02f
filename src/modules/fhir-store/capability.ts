import { getResourceTypes } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../../fhir/definitions.js';
import { getResourceSearchParams } from './search/search-params.js';

const ABSTRACT = new Set(['Resource', 'DomainResource']);

function describeResource(type: string): CapabilityStatementRestResource {
  // Exactly the parameters the index writer evaluates (search/search-params.ts), so the statement tells the truth.
  const searchable = getResourceSearchParams(type);
  const params = (searchable?.indexed ?? [])
    .map((p) => ({ name: p.code, definition: p.definition.url, type: p.type }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const interactions = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create'];
  if (searchable) interactions.push('search-type');
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
    searchParam: !searchable ? undefined : [
      { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
      { name: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
      ...params,
    ],
  };
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
      },
    ],
  };
  return { ...cached, date: new Date().toISOString(), implementation: { description: 'Xietong hub', url: `${baseUrl}/fhir` } } as CapabilityStatement;
}
