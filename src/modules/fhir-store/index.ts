export { fhirStorePlugin } from './fhir.plugin.js';
