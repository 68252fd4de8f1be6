import { Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param } from '@nestjs/common';
import { type AuthUser } from '../auth/auth.types.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { ParseUuidOr404Pipe } from '../common/id.pipe.js';
import { toSessionView, type SessionView } from './session-view.js';
import { SessionsService } from './sessions.service.js';

/** The caller's own devices. */
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  async list(@CurrentUser() user: AuthUser): Promise<SessionView[]> {
    const sessions = await this.sessions.listLive(user.id);
    return sessions.map((session) => toSessionView(session, user.sessionId));
  }

  /** 404 for a session that is not the caller's live session, whoever's it is (no existence oracle). */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revoke(@CurrentUser() user: AuthUser, @Param('id', ParseUuidOr404Pipe) id: string): Promise<void> {
    if (!(await this.sessions.revokeOwn(user.id, id))) throw new NotFoundException('session not found');
  }
}
