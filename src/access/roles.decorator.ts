import { Reflector } from '@nestjs/core';
import { type Role } from '../generated/prisma/enums.js';

/** The roles allowed on a route or controller, e.g. `@Roles([Role.ADMIN])`; checked by the RolesGuard. */
export const Roles = Reflector.createDecorator<Role[]>();
