import { IsEnum } from 'class-validator';
import { Role } from '../../generated/prisma/enums.js';

export class UpdateRoleDto {
  @IsEnum(Role, { message: 'role must be ADMIN or USER' })
  role!: Role;
}
