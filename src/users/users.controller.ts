import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Query, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type FastifyReply } from 'fastify';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';
import { Client, CurrentUser } from '../access/current-user.decorator.js';
import { Roles } from '../access/roles.decorator.js';
import { ParseIdPipe } from '../common/id.pipe.js';
import { ApiAccessToken, ApiErrors, ApiRoles, type ErrorStatus } from '../common/api-responses.js';
import { Role } from '../generated/prisma/enums.js';
import { ListUsersQuery } from './dto/list-users.query.js';
import { PublicUserDto } from './dto/public-user.dto.js';
import { UpdateRoleDto } from './dto/update-role.dto.js';
import { UsersService } from './users.service.js';

const USER_ID = ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1, maximum: 2_147_483_647 }, description: 'A user id' });
const BAD_ID: [ErrorStatus, string] = [400, 'The id is not a positive integer'];

@ApiTags('users')
@ApiAccessToken()
@ApiErrors(503)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Read from the database, not echoed from the token. */
  @ApiOperation({ summary: 'The caller, read from the database' })
  @ApiOkResponse({ type: PublicUserDto, description: 'The caller' })
  @Get('me')
  me(@CurrentUser() user: AuthUser): Promise<PublicUserDto> {
    return this.users.findSelf(user.id);
  }

  @ApiOperation({ summary: 'List users, ordered by id (ADMIN)' })
  @ApiRoles(Role.ADMIN)
  @ApiOkResponse({
    type: [PublicUserDto],
    description: 'One page of users',
    headers: { 'X-Total-Count': { description: 'The number of users (all pages)', schema: { type: 'integer', minimum: 0 } } },
  })
  @ApiErrors([400, 'skip or take is not a non-negative integer in range'])
  @Roles([Role.ADMIN])
  @Get()
  async list(@Query() query: ListUsersQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicUserDto[]> {
    const { users, total } = await this.users.list(query.skip, query.take);
    reply.header('X-Total-Count', String(total));
    return users;
  }

  @ApiOperation({ summary: "Change a user's role (ADMIN); a change revokes the user's sessions" })
  @ApiRoles(Role.ADMIN)
  @USER_ID
  @ApiOkResponse({ type: PublicUserDto, description: 'The updated user' })
  @ApiErrors([400, 'A bad body or id'], [404, 'No such user'], [409, 'The change would leave no admin'], 413, 415)
  @Roles([Role.ADMIN])
  @Patch(':id/role')
  changeRole(
    @CurrentUser() admin: AuthUser,
    @Param('id', ParseIdPipe) id: number,
    @Body() body: UpdateRoleDto,
    @Client() client: ClientInfo,
  ): Promise<PublicUserDto> {
    return this.users.changeRole(id, body.role, admin.id, client);
  }

  @ApiOperation({ summary: 'Revoke every session of a user: sign them out everywhere (ADMIN)' })
  @ApiRoles(Role.ADMIN)
  @USER_ID
  @ApiNoContentResponse({ description: 'Every session of the user is revoked' })
  @ApiErrors(BAD_ID, [404, 'No such user'])
  @Roles([Role.ADMIN])
  @Delete(':id/sessions')
  @HttpCode(HttpStatus.NO_CONTENT)
  revokeSessions(@CurrentUser() admin: AuthUser, @Param('id', ParseIdPipe) id: number, @Client() client: ClientInfo): Promise<void> {
    return this.users.revokeSessions(id, admin.id, client);
  }

  @ApiOperation({ summary: 'Delete a user and all their sessions (ADMIN)' })
  @ApiRoles(Role.ADMIN)
  @USER_ID
  @ApiNoContentResponse({ description: 'The user and their sessions are gone' })
  @ApiErrors(BAD_ID, [404, 'No such user'], [409, 'The change would leave no admin'])
  @Roles([Role.ADMIN])
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentUser() admin: AuthUser, @Param('id', ParseIdPipe) id: number, @Client() client: ClientInfo): Promise<void> {
    return this.users.remove(id, admin.id, client);
  }
}
