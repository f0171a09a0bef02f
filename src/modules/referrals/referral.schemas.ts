import type { FastifySchema } from 'fastify';

/**
 * Route schemas for the OpenAPI document. Bodies are described, not enforced
 * by Ajv (its type coercion would turn 123 into "123"): referral-input.ts
 * validates them and answers with an OperationOutcome naming the field.
 */
const d = (description: string) => ({ description });
const TAGS = ['referrals'];

export const createSchema: FastifySchema = {
  tags: TAGS,
  summary: 'Create a referral (up, down or lateral) from your institution',
  description: 'Writes the referral, a FHIR ServiceRequest and Task in both institutions. Open referrals of the same person for the same specialty come back in `warnings`.',
  body: {
    type: 'object',
    properties: {
      receiver: d('Id of the receiving institution'),
      patient: d('"Patient/<id>" in your institution'),
      specialty: d('SNOMED CT specialty code, or { code, display }'),
      priority: d('routine | urgent | asap | stat (FHIR request-priority); default routine'),
      direction: d('up | down | lateral; default derived from the two institutions\' levels'),
      reason: d('Free text reason'),
      attachments: d('List of "DocumentReference/<id>"'),
      dischargeSummary: d('Down-referrals: "DocumentReference/<id>" or "Composition/<id>"'),
      followUpPlan: d('Down-referrals: [{ description, dueDays? }], become Tasks for the community doctor on acceptance'),
    },
  },
};

export const listSchema: FastifySchema = {
  tags: TAGS,
  summary: 'Worklist: incoming (triage: urgency, up-referrals first, longest waiting first) or outgoing (newest first)',
  querystring: { type: 'object', properties: { box: d('incoming | outgoing (default incoming)'), status: d('open | closed | all (default open)'), limit: d('1–500, default 50'), offset: d('default 0') } },
};

export const getSchema: FastifySchema = { tags: TAGS, summary: 'One referral with its timeline; the sender also gets the returned report' };

export const transitionSchema: FastifySchema = {
  tags: TAGS,
  summary: 'Move a referral: accept, decline, schedule, start, complete, return-report, cancel, no-show, forward, receive',
  description: 'Illegal transitions are 409 REFERRAL_ILLEGAL_TRANSITION; an action of the other party is 403 REFERRAL_WRONG_PARTY.',
  body: {
    type: 'object',
    properties: {
      action: d('The action'),
      reason: d('decline: a coded reason (GET /api/referrals/decline-reasons)'),
      note: d('Optional free text'),
      appointmentAt: d('schedule: date-time with time zone'),
      report: d('return-report: "DiagnosticReport/<id>" or "DocumentReference/<id>" in the receiving institution'),
      receiver: d('forward: id of the institution to forward to'),
    },
  },
};

export const duplicateSchema: FastifySchema = {
  tags: TAGS,
  summary: 'Duplicate check before sending: open referrals of the same person for the same specialty',
  body: { type: 'object', properties: { patient: d('"Patient/<id>" in your institution'), specialty: d('Specialty code or { code }') } },
};

export const recommendSchema: FastifySchema = {
  tags: TAGS,
  summary: 'Rank receiving institutions for a patient and a need, with each score component explained',
  body: { type: 'object', properties: { specialty: d('Specialty code or { code, display }'), patient: d('Optional "Patient/<id>" (previous care)'), priority: d('routine | urgent | asap | stat'), limit: d('1–50, default 10') } },
};

export const measuresSchema: FastifySchema = {
  tags: TAGS,
  summary: 'Loop-closure rate, median and p90 times, decline reasons, up/down counts per institution per month',
  querystring: { type: 'object', properties: { from: d('Start date (YYYY-MM-DD), default 90 days ago'), to: d('End date (exclusive), default tomorrow') } },
};

export const alertsSchema: FastifySchema = { tags: TAGS, summary: 'SLA reminders, escalations and expiries addressed to your institution' };
export const agreementsSchema: FastifySchema = { tags: TAGS, summary: 'Consortium agreements (preferred receivers) used by $recommend' };
export const declineReasonsSchema: FastifySchema = { tags: TAGS, summary: 'The coded decline reasons' };
