export { HubError, defineErrors, isHubError, type HubErrorSpec } from './hub-error.js';
export { HttpErrors } from './http-errors.js';
