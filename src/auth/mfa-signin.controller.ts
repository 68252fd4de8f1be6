import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-responses.js';
import { ClientThrottlerGuard } from '../limits/client-throttler.guard.js';
import { MfaSigninDto } from '../mfa/dto/second-factor.dto.js';
import { type ClientInfo } from '../access/access.types.js';
import { Client } from '../access/current-user.decorator.js';
import { Public } from '../access/public.decorator.js';
import { AuthResponseDto } from './dto/token-pair.dto.js';
import { MfaSigninService } from './mfa-signin.service.js';

@ApiTags('auth')
@ApiErrors(503)
@Controller('auth')
export class MfaSigninController {
  constructor(private readonly mfaSignin: MfaSigninService) {}

  @ApiOperation({
    summary: 'Second step of a sign-in with TOTP: the mfaToken and a code (or a recovery code) open the session',
    description:
      'The tokens carry amr ["pwd", "otp"]. Wrong codes count as failed sign-ins for the lockout; the mfaToken dies after 5 minutes, 5 wrong codes or one success.',
  })
  @ApiOkResponse({ type: AuthResponseDto, description: 'The user and the tokens of the new session' })
  @ApiErrors(
    [400, 'Malformed body: not exactly one of code and recoveryCode, a code that is not 6 digits, unknown fields'],
    [401, 'Wrong or reused code, used recovery code, or an mfaToken that is expired, used or dead after 5 wrong codes (one body)'],
    [
      429,
      'Locked after too many failed sign-ins (SIGNIN_MAX_FAILURES per SIGNIN_WINDOW), or the sign-in budget (RATE_LIMIT_PER_MINUTE per client) spent',
    ],
    413,
    415,
  )
  @Public()
  @UseGuards(ClientThrottlerGuard)
  @Post('signin/mfa')
  @HttpCode(HttpStatus.OK)
  complete(@Body() body: MfaSigninDto, @Client() client: ClientInfo): Promise<AuthResponseDto> {
    return this.mfaSignin.complete(body, client);
  }
}
