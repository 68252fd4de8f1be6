import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthService, type AuthResponse } from './auth.service.js';
import { type AuthUser, type ClientInfo, type RefreshCredentials, type TokenPair } from './auth.types.js';
import { Client, CurrentUser } from './decorators/current-user.decorator.js';
import { Public } from './decorators/public.decorator.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { CredentialsDto } from './dto/credentials.dto.js';
import { RefreshTokenGuard } from './guards/refresh-token.guard.js';

@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('signup')
  signUp(@Body() credentials: CredentialsDto, @Client() client: ClientInfo): Promise<AuthResponse> {
    return this.auth.signUp(credentials, client);
  }

  @Public()
  @Post('signin')
  @HttpCode(HttpStatus.OK)
  signIn(@Body() credentials: CredentialsDto, @Client() client: ClientInfo): Promise<AuthResponse> {
    return this.auth.signIn(credentials, client);
  }

  @Public()
  // The budget is spent before the token is checked: invalid tokens count too.
  @UseGuards(ThrottlerGuard, RefreshTokenGuard)
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  refresh(@CurrentUser() credentials: RefreshCredentials): Promise<TokenPair> {
    return this.auth.refresh(credentials);
  }

  @Post('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  changePassword(@CurrentUser() user: AuthUser, @Body() change: ChangePasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.changePassword(user, change, client);
  }

  @Post('signout')
  @HttpCode(HttpStatus.NO_CONTENT)
  signOut(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.signOut(user);
  }

  @Post('signout/all')
  @HttpCode(HttpStatus.NO_CONTENT)
  signOutAll(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.signOutAll(user);
  }
}
