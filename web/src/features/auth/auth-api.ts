import { hubClient, toSession, type LoginResponse, type Session } from '../../api/client.js';

/** What the password step leads to: a session, a second-factor challenge, or enrolment first. */
export type PasswordStep = { kind: 'session'; session: Session } | { kind: 'mfa'; ticket: string } | { kind: 'enrol'; ticket: string };

type LoginAnswer = Partial<LoginResponse> & { mfa_required?: boolean; mfa_enrolment_required?: boolean; mfa_ticket?: string };

/** POST /auth/login. */
export async function submitPassword(username: string, password: string): Promise<PasswordStep> {
  const res = await hubClient.send<LoginAnswer>('POST', '/auth/login', { username, password }, { auth: false });
  if (res.mfa_required && res.mfa_ticket) return { kind: 'mfa', ticket: res.mfa_ticket };
  if (res.mfa_enrolment_required && res.mfa_ticket) return { kind: 'enrol', ticket: res.mfa_ticket };
  return { kind: 'session', session: toSession(res as LoginResponse) };
}

/** POST /auth/login/mfa with a TOTP code or a recovery code. */
export async function submitSecondFactor(ticket: string, factor: { code: string } | { recoveryCode: string }): Promise<Session> {
  const body = 'code' in factor ? { mfa_ticket: ticket, code: factor.code } : { mfa_ticket: ticket, recovery_code: factor.recoveryCode };
  return toSession(await hubClient.send<LoginResponse>('POST', '/auth/login/mfa', body, { auth: false }));
}

export interface Enrolment {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

/** POST /auth/mfa/enrol: with the enrolment ticket before sign-in, or as the signed-in user. */
export function startEnrolment(ticket?: string): Promise<Enrolment> {
  return hubClient.send<Enrolment>('POST', '/auth/mfa/enrol', ticket ? { mfa_ticket: ticket } : {}, { auth: !ticket });
}

/** POST /auth/mfa/confirm: recovery codes, and a session when enrolling with a ticket. */
export async function confirmEnrolment(code: string, ticket?: string): Promise<{ recoveryCodes: string[]; session?: Session }> {
  const res = await hubClient.send<LoginAnswer & { recovery_codes: string[] }>(
    'POST',
    '/auth/mfa/confirm',
    ticket ? { mfa_ticket: ticket, code } : { code },
    { auth: !ticket },
  );
  return { recoveryCodes: res.recovery_codes, session: res.access_token ? toSession(res as LoginResponse) : undefined };
}

/** POST /auth/logout: revokes the access token and its refresh family. Failures do not keep anyone signed in. */
export async function logout(): Promise<void> {
  await hubClient.send<void>('POST', '/auth/logout').catch(() => undefined);
}

/** POST /auth/password: ends the person's other sessions. */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  await hubClient.send<void>('POST', '/auth/password', { current_password: currentPassword, new_password: newPassword });
}

/** POST /auth/mfa/recovery-codes: ten new codes for a current TOTP code. */
export async function renewRecoveryCodes(code: string): Promise<string[]> {
  return (await hubClient.send<{ recovery_codes: string[] }>('POST', '/auth/mfa/recovery-codes', { code })).recovery_codes;
}
