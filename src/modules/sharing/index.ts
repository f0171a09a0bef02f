/** Governed sharing across institutions: the regional record. */
export { sharingRoutes } from './sharing.routes.js';
export { readRegionalRecord, type RegionalRecord, type InstitutionRecord } from './regional-record.service.js';
export { SharingErrors } from './errors.js';
export { patientRoutes } from './patient.routes.js';
export { grantConsent, withdrawConsent, listMyConsents, resolvePatientCaller, CONSENT_PURPOSES, type ConsentSummary } from './patient-consent.service.js';
