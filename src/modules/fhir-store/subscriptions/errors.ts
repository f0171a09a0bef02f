import { defineErrors } from '../../../platform/errors/index.js';

/** Errors of R4 Subscriptions. Codes are stable; see README.md in this folder. */
export const SubscriptionErrors = defineErrors('SUBSCRIPTION', {
  /** `criteria` is not `Type?params`, names an unknown type or parameter, or has a malformed value. */
  INVALID_CRITERIA: { status: 400, issue: 'invalid' },
  /** A channel type other than rest-hook and websocket (email, sms, message). */
  UNSUPPORTED_CHANNEL: { status: 422, issue: 'not-supported' },
  /** A payload MIME type other than application/fhir+json or application/json. */
  UNSUPPORTED_PAYLOAD: { status: 422, issue: 'not-supported' },
  /** A rest-hook without an http(s) endpoint. */
  INVALID_ENDPOINT: { status: 400, issue: 'invalid' },
  /** A channel.header entry that is not `Name: value`. */
  INVALID_HEADER: { status: 400, issue: 'invalid' },
});
