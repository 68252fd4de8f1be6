/**
 * Every type of audit event. The column is plain text (no database enum or check), so a feature that
 * records a new event adds its line here and nothing else.
 */
export const AUDIT_EVENT_TYPES = [
  'signup',
  'signin',
  'signin.failed',
  'signin.locked',
  'signin.mfa_failed',
  'refresh.reuse',
  'signout',
  'signout.all',
  'session.revoked',
  'password.changed',
  'password.reset_requested',
  'password.reset',
  'email.verified',
  'mfa.enabled',
  'mfa.disabled',
  'mfa.recovery_used',
  'mfa.recovery_regenerated',
  'role.changed',
  'user.sessions_revoked',
  'user.mfa_removed',
  'user.deleted',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
