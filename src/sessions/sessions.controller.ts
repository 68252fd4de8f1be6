import { Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';
import { Client, CurrentUser } from '../access/current-user.decorator.js';
import { ParseUuidOr404Pipe } from '../common/id.pipe.js';
import { ApiAccessToken, ApiErrors } from '../common/api-responses.js';
import { SessionViewDto } from './dto/session-view.dto.js';
import { toSessionView } from './session-view.js';
import { SessionsService } from './sessions.service.js';

/** The caller's own devices. */
@ApiTags('sessions')
@ApiAccessToken()
@ApiErrors(503)
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @ApiOperation({ summary: "The caller's live sessions (not revoked, not expired), newest first" })
  @ApiOkResponse({ type: [SessionViewDto], description: 'The live sessions, the current one marked' })
  @Get()
  async list(@CurrentUser() user: AuthUser): Promise<SessionViewDto[]> {
    const sessions = await this.sessions.listLive(user.id);
    return sessions.map((session) => toSessionView(session, user.sessionId));
  }

  /** 404 for a session that is not the caller's live session, whoever's it is (no existence oracle). */
  @ApiOperation({ summary: "Revoke one of the caller's sessions (sign a device out)" })
  @ApiParam({ name: 'id', format: 'uuid', description: 'A session id from GET /auth/sessions' })
  @ApiNoContentResponse({ description: 'The session is revoked' })
  @ApiErrors([404, 'No live session with that id belongs to the caller (malformed ids included)'])
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revoke(@CurrentUser() user: AuthUser, @Param('id', ParseUuidOr404Pipe) id: string, @Client() client: ClientInfo): Promise<void> {
    if (!(await this.sessions.revokeOwn(user.id, id, client))) throw new NotFoundException('session not found');
  }
}
