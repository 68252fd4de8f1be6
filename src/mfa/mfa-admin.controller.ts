import { Controller, Delete, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';
import { Client, CurrentUser } from '../access/current-user.decorator.js';
import { Roles } from '../access/roles.decorator.js';
import { ParseIdPipe } from '../common/id.pipe.js';
import { ApiAccessToken, ApiErrors, ApiRoles } from '../common/api-responses.js';
import { Role } from '../generated/prisma/enums.js';
import { MfaService } from './mfa.service.js';

@ApiTags('users')
@ApiAccessToken()
@ApiErrors(503)
@Controller('users')
export class MfaAdminController {
  constructor(private readonly mfa: MfaService) {}

  @ApiOperation({ summary: "Remove a user's second factor (lost phone and recovery codes) and revoke their sessions (ADMIN)" })
  @ApiRoles(Role.ADMIN)
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1, maximum: 2_147_483_647 }, description: 'A user id' })
  @ApiNoContentResponse({ description: 'The factor and recovery codes are gone; every session of the user is revoked' })
  @ApiErrors([400, 'The id is not a positive integer'], [404, 'No such user'], [409, 'The user has no second factor'])
  @Roles([Role.ADMIN])
  @Delete(':id/mfa')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentUser() admin: AuthUser, @Param('id', ParseIdPipe) id: number, @Client() client: ClientInfo): Promise<void> {
    return this.mfa.removeByAdmin(id, admin.id, client);
  }
}
