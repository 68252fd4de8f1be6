import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Query, Res } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { type AuthUser } from '../auth/auth.types.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { Roles } from '../auth/decorators/roles.decorator.js';
import { ParseIdPipe } from '../common/id.pipe.js';
import { Role } from '../generated/prisma/enums.js';
import { ListUsersQuery } from './dto/list-users.query.js';
import { UpdateRoleDto } from './dto/update-role.dto.js';
import { type PublicUser } from './public-user.js';
import { UsersService } from './users.service.js';

@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Read from the database, not echoed from the token. */
  @Get('me')
  me(@CurrentUser() user: AuthUser): Promise<PublicUser> {
    return this.users.findById(user.id);
  }

  @Roles([Role.ADMIN])
  @Get()
  async list(@Query() query: ListUsersQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicUser[]> {
    const { users, total } = await this.users.list(query.skip, query.take);
    reply.header('X-Total-Count', String(total));
    return users;
  }

  @Roles([Role.ADMIN])
  @Patch(':id/role')
  changeRole(@CurrentUser() admin: AuthUser, @Param('id', ParseIdPipe) id: number, @Body() body: UpdateRoleDto): Promise<PublicUser> {
    return this.users.changeRole(id, body.role, admin.id);
  }

  @Roles([Role.ADMIN])
  @Delete(':id/sessions')
  @HttpCode(HttpStatus.NO_CONTENT)
  revokeSessions(@CurrentUser() admin: AuthUser, @Param('id', ParseIdPipe) id: number): Promise<void> {
    return this.users.revokeSessions(id, admin.id);
  }

  @Roles([Role.ADMIN])
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentUser() admin: AuthUser, @Param('id', ParseIdPipe) id: number): Promise<void> {
    return this.users.remove(id, admin.id);
  }
}
