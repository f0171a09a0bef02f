export { fhirStorePlugin } from './fhir.plugin.js';
export { FhirErrors } from './errors.js';
export {
  createResource,
  updateResource,
  deleteResource,
  storeResourcesBulk,
  type WriteResult,
} from './write.service.js';
export { assertValidResource } from './validation.js';
export { readResource, readResourceVersion, readHistory } from './read.service.js';
export { processBundle } from './bundle.service.js';
export { searchResources, findMatchingResources, type SearchQuery } from './search/search.service.js';
