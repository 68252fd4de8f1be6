import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser } from '../access/access.types.js';
import { CurrentUser } from '../access/current-user.decorator.js';
import { Roles } from '../access/roles.decorator.js';
import { ApiAccessToken, ApiErrors, ApiRoles } from '../common/api-responses.js';
import { Role } from '../generated/prisma/enums.js';
import { AuditService } from './audit.service.js';
import { AdminEventDto, OwnEventDto } from './dto/audit-event.dto.js';
import { AdminEventsQuery, EventsPageQuery } from './dto/events.query.js';

@ApiTags('audit')
@ApiAccessToken()
@ApiErrors(503)
@Controller()
export class AuditEventsController {
  constructor(private readonly audit: AuditService) {}

  @ApiOperation({ summary: "The caller's own security events, newest first" })
  @ApiOkResponse({ type: [OwnEventDto], description: 'One page of events' })
  @ApiErrors([400, 'before or take out of range'])
  @Get('auth/events')
  own(@CurrentUser() user: AuthUser, @Query() query: EventsPageQuery): Promise<OwnEventDto[]> {
    return this.audit.listOwn(user.id, query);
  }

  @ApiOperation({ summary: 'Audit events of every user, newest first, filtered by user and type (ADMIN)' })
  @ApiRoles(Role.ADMIN)
  @ApiOkResponse({ type: [AdminEventDto], description: 'One page of events' })
  @ApiErrors([400, 'userId, type, before or take invalid'])
  @Roles([Role.ADMIN])
  @Get('admin/events')
  all(@Query() query: AdminEventsQuery): Promise<AdminEventDto[]> {
    return this.audit.list({ userId: query.userId, type: query.type }, query);
  }
}
