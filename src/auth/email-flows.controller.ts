import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAccessToken, ApiErrors } from '../common/api-responses.js';
import { ClientThrottlerGuard } from '../limits/client-throttler.guard.js';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';
import { Client, CurrentUser } from '../access/current-user.decorator.js';
import { Public } from '../access/public.decorator.js';
import { AcceptedDto, ForgotPasswordDto, ResetPasswordDto, VerifyEmailDto } from './dto/email-flows.dto.js';
import { EmailVerificationService } from './email-verification.service.js';
import { PasswordResetService } from './password-reset.service.js';

const BAD_JSON_BODY = [413, 415] as const;
/** The one answer to a forgot-password request, whether or not the email has an account. */
export const FORGOT_PASSWORD_ACCEPTED: AcceptedDto = {
  message: 'if an account has this email, a link to reset its password is on its way',
};

@ApiTags('auth')
@ApiErrors(503)
@Controller('auth')
export class EmailFlowsController {
  constructor(
    private readonly reset: PasswordResetService,
    private readonly verification: EmailVerificationService,
  ) {}

  @ApiOperation({
    summary: 'Forgot password: email a reset link (APP_URL#reset=<token>) if an account has this email',
    description: 'The same 202 body, and about the same time, whether or not the account exists. At most one email per address per minute.',
  })
  @ApiAcceptedResponse({ type: AcceptedDto, description: 'Accepted (whether or not an account has this email)' })
  @ApiErrors(
    [400, 'Malformed body: missing, non-string or unknown field, an invalid email'],
    [429, 'Forgot-password budget (RATE_LIMIT_PER_MINUTE per client) spent'],
    ...BAD_JSON_BODY,
  )
  @Public()
  @UseGuards(ClientThrottlerGuard)
  @Post('password/forgot')
  @HttpCode(HttpStatus.ACCEPTED)
  async forgotPassword(@Body() body: ForgotPasswordDto, @Client() client: ClientInfo): Promise<AcceptedDto> {
    await this.reset.request(body.email, client);
    return FORGOT_PASSWORD_ACCEPTED;
  }

  @ApiOperation({
    summary: 'Reset the password with the token of a reset email',
    description: 'Revokes every session of the user, marks the email verified and lifts the sign-in lockout of the email.',
  })
  @ApiNoContentResponse({ description: 'The password is replaced; every session of the user is revoked' })
  @ApiErrors([400, 'Unknown, expired or used token (one body for all three), or a new password out of policy'], ...BAD_JSON_BODY)
  @Public()
  @Post('password/reset')
  @HttpCode(HttpStatus.NO_CONTENT)
  resetPassword(@Body() body: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.reset.reset(body.token, body.newPassword, client);
  }

  @ApiOperation({ summary: 'Verify the email with the token of a verification email (APP_URL#verify=<token>)' })
  @ApiNoContentResponse({ description: "The user's emailVerified is now true" })
  @ApiErrors([400, 'Unknown, expired or used token (one body for all three)'], ...BAD_JSON_BODY)
  @Public()
  @Post('email/verify')
  @HttpCode(HttpStatus.NO_CONTENT)
  verifyEmail(@Body() body: VerifyEmailDto, @Client() client: ClientInfo): Promise<void> {
    return this.verification.verify(body.token, client);
  }

  @ApiOperation({ summary: 'Send a new verification email; the earlier links stop working' })
  @ApiAccessToken()
  @ApiNoContentResponse({ description: 'A new verification email is on its way' })
  @ApiErrors([409, 'The email is already verified'], [429, 'The last resend was less than a minute ago'])
  @Post('email/verify/resend')
  @HttpCode(HttpStatus.NO_CONTENT)
  resendVerification(@CurrentUser() user: AuthUser): Promise<void> {
    return this.verification.resend(user);
  }
}
