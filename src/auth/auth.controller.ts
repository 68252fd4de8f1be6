import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiAccessToken, ApiErrors, REFRESH_TOKEN_SCHEME } from '../common/api-responses.js';
import { ClientThrottlerGuard } from '../limits/client-throttler.guard.js';
import { MfaChallengeDto } from '../mfa/dto/mfa-responses.dto.js';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';
import { Client, CurrentUser } from '../access/current-user.decorator.js';
import { Public } from '../access/public.decorator.js';
import { AuthService } from './auth.service.js';
import { type RefreshCredentials } from './auth.types.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { CredentialsDto } from './dto/credentials.dto.js';
import { SignUpDto } from './dto/sign-up.dto.js';
import { AuthResponseDto, TokenPairDto } from './dto/token-pair.dto.js';
import { RefreshTokenGuard } from './guards/refresh-token.guard.js';

const BAD_JSON_BODY = [413, 415] as const;

@ApiTags('auth')
@ApiErrors(503)
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @ApiOperation({ summary: 'Create a USER account and sign in (opens its first session)' })
  @ApiCreatedResponse({ type: AuthResponseDto, description: 'The new USER and the tokens of its first session' })
  @ApiErrors(
    [400, 'Invalid email, password out of policy, missing or unknown field (a role included), malformed JSON'],
    [409, 'The email is already registered'],
    [429, 'Sign-up budget (RATE_LIMIT_PER_MINUTE per client) spent'],
    ...BAD_JSON_BODY,
  )
  @Public()
  @UseGuards(ClientThrottlerGuard)
  @Post('signup')
  signUp(@Body() credentials: SignUpDto, @Client() client: ClientInfo): Promise<AuthResponseDto> {
    return this.auth.signUp(credentials, client);
  }

  @ApiOperation({ summary: 'Sign in: opens a new session (one per device)' })
  @ApiExtraModels(MfaChallengeDto)
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(AuthResponseDto) }, { $ref: getSchemaPath(MfaChallengeDto) }] },
    description:
      'The user (with their role) and the tokens of the new session; or, for a user with TOTP, mfaRequired and an mfaToken (no session yet: POST /auth/signin/mfa)',
  })
  @ApiErrors(
    [400, 'Malformed body: missing, non-string or unknown field, invalid email, password over 128'],
    [401, 'Wrong email or password (one body for both)'],
    [
      429,
      'Too many failed sign-ins for this email from this client (SIGNIN_MAX_FAILURES per SIGNIN_WINDOW), or the sign-in budget (RATE_LIMIT_PER_MINUTE per client) spent',
    ],
    ...BAD_JSON_BODY,
  )
  @Public()
  @UseGuards(ClientThrottlerGuard)
  @Post('signin')
  @HttpCode(HttpStatus.OK)
  signIn(@Body() credentials: CredentialsDto, @Client() client: ClientInfo): Promise<AuthResponseDto | MfaChallengeDto> {
    return this.auth.signIn(credentials, client);
  }

  @ApiOperation({
    summary: 'Rotate the refresh token: a new pair (Authorization: Bearer <refreshToken>)',
    description:
      'The previous refresh token stops working. Presented again within JWT_REFRESH_REUSE_GRACE, it gets the same new ' +
      'refresh token; later, it is refused and the whole session is revoked (reuse detection).',
  })
  @ApiBearerAuth(REFRESH_TOKEN_SCHEME)
  @ApiOkResponse({ type: TokenPairDto, description: 'A new pair; the presented refresh token stops working' })
  @ApiErrors(
    [401, 'Missing, malformed, expired, revoked, rotated or wrong-type (access) token'],
    [429, 'Refresh budget (RATE_LIMIT_PER_MINUTE per client) spent'],
  )
  @Public()
  // The budget is spent before the token is checked: invalid tokens count too.
  @UseGuards(ClientThrottlerGuard, RefreshTokenGuard)
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  refresh(@CurrentUser() credentials: RefreshCredentials, @Client() client: ClientInfo): Promise<TokenPairDto> {
    return this.auth.refresh(credentials, client);
  }

  @ApiOperation({ summary: "Change the caller's password; signs out the user's other sessions" })
  @ApiAccessToken()
  @ApiNoContentResponse({ description: 'Changed; every other session of the user is revoked, this one stays signed in' })
  @ApiErrors(
    [400, 'New password out of policy, or a missing field'],
    [401, 'No valid access token, or a wrong current password (counts as a failed sign-in)'],
    [429, 'Locked after too many wrong current passwords (as sign-in)'],
    ...BAD_JSON_BODY,
  )
  @Post('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  changePassword(@CurrentUser() user: AuthUser, @Body() change: ChangePasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.changePassword(user, change, client);
  }

  @ApiOperation({ summary: 'Sign out: revoke the current session (its refresh and access tokens)' })
  @ApiAccessToken()
  @ApiNoContentResponse({ description: 'The session is revoked' })
  @Post('signout')
  @HttpCode(HttpStatus.NO_CONTENT)
  signOut(@CurrentUser() user: AuthUser, @Client() client: ClientInfo): Promise<void> {
    return this.auth.signOut(user, client);
  }

  @ApiOperation({ summary: "Sign out everywhere: revoke every session of the caller's user" })
  @ApiAccessToken()
  @ApiNoContentResponse({ description: 'Every session of the user is revoked' })
  @Post('signout/all')
  @HttpCode(HttpStatus.NO_CONTENT)
  signOutAll(@CurrentUser() user: AuthUser, @Client() client: ClientInfo): Promise<void> {
    return this.auth.signOutAll(user, client);
  }
}
