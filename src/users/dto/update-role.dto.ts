import { ApiProperty } from '@nestjs/swagger';
import { IsEnum } from 'class-validator';
import { Role } from '../../generated/prisma/enums.js';

export class UpdateRoleDto {
  @ApiProperty({ enum: Role, enumName: 'Role' })
  @IsEnum(Role, { message: 'role must be ADMIN or USER' })
  role!: Role;
}
