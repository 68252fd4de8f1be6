import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiExtension, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';
import { Client, CurrentUser } from '../access/current-user.decorator.js';
import { RequireMfa } from '../access/require-mfa.decorator.js';
import { ApiAccessToken, ApiErrors, type ErrorStatus } from '../common/api-responses.js';
import { ClientThrottlerGuard } from '../limits/client-throttler.guard.js';
import { RecoveryCodesDto, TotpSetupDto } from './dto/mfa-responses.dto.js';
import { SecondFactorDto, TotpCodeDto } from './dto/second-factor.dto.js';
import { MfaService } from './mfa.service.js';

const NEEDS_MFA_SESSION: [ErrorStatus, string] = [
  403,
  'The session did not verify a second factor (access token amr without "otp"): refresh after enabling, or sign in with a code',
];

/** Disable and regenerate take a code: under the per-client budget, so that a session cannot guess codes at full speed. */
const BUDGET_SPENT: [ErrorStatus, string] = [429, 'The per-client budget (RATE_LIMIT_PER_MINUTE) spent; see Retry-After'];

@ApiTags('mfa')
@ApiAccessToken()
@ApiErrors(503)
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @ApiOperation({ summary: 'Start (or restart) enrolment of a TOTP authenticator: a new secret' })
  @ApiOkResponse({ type: TotpSetupDto, description: 'The secret, as base32 and as an otpauth:// URL (SHA-1, 6 digits, 30 s)' })
  @ApiErrors([409, 'TOTP is already enabled'])
  @Post('totp/setup')
  @HttpCode(HttpStatus.OK)
  setup(@CurrentUser() user: AuthUser): Promise<TotpSetupDto> {
    return this.mfa.setup(user);
  }

  @ApiOperation({
    summary: 'Turn TOTP on with a first code: returns 10 recovery codes, once',
    description: 'The user\'s other sessions are revoked; this session\'s next tokens carry amr ["pwd", "otp"].',
  })
  @ApiOkResponse({ type: RecoveryCodesDto, description: 'TOTP is on; the recovery codes, shown this once' })
  @ApiErrors([400, 'Wrong code, no enrolment started, or a malformed body'], [409, 'TOTP is already enabled (wins over 400)'], 413, 415)
  @Post('totp/enable')
  @HttpCode(HttpStatus.OK)
  enable(@CurrentUser() user: AuthUser, @Body() body: TotpCodeDto, @Client() client: ClientInfo): Promise<RecoveryCodesDto> {
    return this.mfa.enable(user, body.code, client);
  }

  @ApiOperation({
    summary: 'Turn TOTP off with a code or a recovery code (second-factor session)',
    description: 'Recovery codes are deleted; the other sessions are revoked.',
  })
  @ApiNoContentResponse({ description: 'TOTP is off' })
  @ApiErrors(
    [400, 'Wrong, reused or malformed code, or not exactly one of code and recoveryCode'],
    NEEDS_MFA_SESSION,
    [409, 'TOTP is not enabled'],
    BUDGET_SPENT,
    413,
    415,
  )
  @ApiExtension('x-required-amr', ['otp'])
  @RequireMfa()
  @UseGuards(ClientThrottlerGuard)
  @Post('totp/disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  disable(@CurrentUser() user: AuthUser, @Body() body: SecondFactorDto, @Client() client: ClientInfo): Promise<void> {
    return this.mfa.disable(user, body, client);
  }

  @ApiOperation({ summary: 'A new set of recovery codes, with a code (second-factor session); the old set stops working' })
  @ApiOkResponse({ type: RecoveryCodesDto, description: 'The new recovery codes, shown this once' })
  @ApiErrors([400, 'Wrong, reused or malformed code'], NEEDS_MFA_SESSION, [409, 'TOTP is not enabled'], BUDGET_SPENT, 413, 415)
  @ApiExtension('x-required-amr', ['otp'])
  @RequireMfa()
  @UseGuards(ClientThrottlerGuard)
  @Post('recovery-codes')
  @HttpCode(HttpStatus.OK)
  regenerate(@CurrentUser() user: AuthUser, @Body() body: TotpCodeDto, @Client() client: ClientInfo): Promise<RecoveryCodesDto> {
    return this.mfa.regenerateRecoveryCodes(user, body.code, client);
  }
}
