export {
  seedDemoRegion,
  isRegionSeeded,
  getDemoRegionStatus,
  listDemoInstitutions,
  DEFAULT_DEMO_PATIENTS,
  type SeedOptions,
  type SeedProgress,
  type SeedResult,
} from './demo-region.service.js';
export { generateRegion, DEFAULT_REFERENCE_DATE, type RegionOptions, type RegionChunk, type IdentityRecord, type GeneratedRegistration } from './generator.js';
export { identityCsvLines, formatIdentityCsvRow, IDENTITY_CSV_HEADER } from './identity-csv.js';
export { validateResidentId, buildResidentId, residentIdCheckChar, type ResidentIdCheck, type ResidentIdParts } from './resident-id.js';
export { RESIDENT_ID_SYSTEM, mrnSystem } from './registrations.js';
export { DemoRegionErrors } from './errors.js';
