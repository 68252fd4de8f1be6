import { type Role } from '../generated/prisma/enums.js';

/** The fields of a user that may leave the service. Every query that returns users selects these. */
export const PUBLIC_USER_SELECT = { id: true, email: true, role: true, mfaEnabled: true, createdAt: true, updatedAt: true } as const;

export interface PublicUser {
  id: number;
  email: string;
  role: Role;
  mfaEnabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The one mapping from a user row to a response body: an allow-list, so new columns never leak. */
export function toPublicUser(user: { id: number; email: string; role: Role; mfaEnabled: boolean; createdAt: Date; updatedAt: Date }): PublicUser {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    mfaEnabled: user.mfaEnabled,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
