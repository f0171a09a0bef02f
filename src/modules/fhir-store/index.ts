export { fhirStorePlugin } from './fhir.plugin.js';
export { FhirErrors } from './errors.js';
export {
  createResource,
  updateResource,
  deleteResource,
  storeResourcesBulk,
  createInTx,
  updateInTx,
  type WriteResult,
} from './write.service.js';
export { assertValidResource } from './validation.js';
export { readResource, readResourceVersion, readHistory } from './read.service.js';
export { processBundle } from './bundle.service.js';
export { searchResources, findMatchingResources, type SearchQuery } from './search/search.service.js';
export { resolveIncludes, type IncludeRequest } from './search/include.service.js';
export { reindexResources, type ReindexOptions } from './search/reindex.service.js';
export { patientEverything } from './everything.service.js';
export { getPatientCompartment, getCompartmentParams } from './compartment.js';
