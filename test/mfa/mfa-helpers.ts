import request from 'supertest';
import { type Server } from 'node:http';
import { generateSync } from 'otplib';
import { bearer, decodeJwt, PASSWORD, type Session } from '../support/api.js';

const STEP_SECONDS = 30;

/** The authenticator's code for the step `offset` steps from now (RFC 6238: SHA-1, 6 digits, 30 s). */
export function codeAt(secret: string, offset = 0): string {
  return generateSync({
    secret,
    algorithm: 'sha1',
    digits: 6,
    period: STEP_SECONDS,
    epoch: Math.floor(Date.now() / 1000) + offset * STEP_SECONDS,
  });
}

/**
 * Waits (at most 3 s) until at least 3 s are left in the current step, so that a code computed now is
 * still of the same step relative to the server's clock when the request arrives.
 */
export async function awayFromStepBoundary(): Promise<void> {
  const left = STEP_SECONDS * 1000 - (Date.now() % (STEP_SECONDS * 1000));
  if (left < 3000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** Another 6-digit code: `code` plus `by`, modulo a million (a wrong code, whatever the right one is). */
export function otherCode(code: string, by = 1): string {
  return String((Number(code) + by) % 1_000_000).padStart(6, '0');
}

export const amrOf = (accessToken: string) => decodeJwt(accessToken).payload.amr;

export interface Enrolled {
  secret: string;
  recoveryCodes: string[];
  /** The enrolling session after a refresh: a second-factor session (amr pwd, otp). */
  session: { accessToken: string; refreshToken: string };
}

/**
 * Enrols TOTP for the signed-in user with the previous step's code (the current and the next step's
 * codes stay usable), then refreshes so that the session's tokens carry amr ["pwd", "otp"].
 */
export async function enrol(http: Server, user: Pick<Session, 'accessToken' | 'refreshToken'>): Promise<Enrolled> {
  await awayFromStepBoundary();
  const setup = await request(http).post('/auth/mfa/totp/setup').set(bearer(user.accessToken));
  if (setup.status !== 200) throw new Error(`setup: ${setup.status} ${JSON.stringify(setup.body)}`);
  const secret = setup.body.secret as string;
  const enable = await request(http)
    .post('/auth/mfa/totp/enable')
    .set(bearer(user.accessToken))
    .send({ code: codeAt(secret, -1) });
  if (enable.status !== 200) throw new Error(`enable: ${enable.status} ${JSON.stringify(enable.body)}`);
  const refreshed = await request(http).post('/auth/refresh').set(bearer(user.refreshToken));
  if (refreshed.status !== 200) throw new Error(`refresh: ${refreshed.status}`);
  return { secret, recoveryCodes: enable.body.recoveryCodes, session: refreshed.body };
}

/** The password step of a sign-in for a user with TOTP: the mfaToken. */
export async function passwordStep(http: Server, email: string, password = PASSWORD): Promise<string> {
  const response = await request(http).post('/auth/signin').send({ email, password });
  if (response.status !== 200 || response.body.mfaRequired !== true)
    throw new Error(`password step: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.mfaToken as string;
}

/** Lets the user's codes of every step be used again (tests that need more than three codes in one step). */
export async function forgetLastStep(
  prisma: { totpFactor: { updateMany(args: object): Promise<unknown> } },
  userId: number,
): Promise<void> {
  await prisma.totpFactor.updateMany({ where: { userId }, data: { lastUsedStep: null } });
}
