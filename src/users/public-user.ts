import { type Role } from '../generated/prisma/enums.js';
import { type PublicUserDto } from './dto/public-user.dto.js';

/** The fields of a user that may leave the service. Every query that returns users selects these. */
export const PUBLIC_USER_SELECT = {
  id: true,
  email: true,
  role: true,
  emailVerified: true,
  mfaEnabled: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** The same fields in SQL, named as Prisma names them, for the plain queries on the pool. */
export const PUBLIC_USER_COLUMNS =
  'id, email, role, email_verified AS "emailVerified", mfa_enabled AS "mfaEnabled", created_at AS "createdAt", updated_at AS "updatedAt"';

export interface PublicUserRow {
  id: number;
  email: string;
  role: Role;
  emailVerified: boolean;
  mfaEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The one mapping from a user row to a response body: an allow-list, so new columns never leak. */
export function toPublicUser(user: PublicUserRow): PublicUserDto {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    emailVerified: user.emailVerified,
    mfaEnabled: user.mfaEnabled,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
