import { ApiProperty } from '@nestjs/swagger';

export class TotpSetupDto {
  @ApiProperty({ example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', description: 'The base32 secret, for typing into an authenticator.' })
  secret!: string;

  @ApiProperty({
    example: 'otpauth://totp/nest-jwt-auth:user%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=nest-jwt-auth',
    description: 'The same secret as an otpauth:// URL, for a QR code (SHA-1, 6 digits, 30 s).',
  })
  otpauthUrl!: string;
}

export class RecoveryCodesDto {
  @ApiProperty({
    type: [String],
    minItems: 10,
    maxItems: 10,
    example: ['abcd-efgh-ijkl-mnop'],
    description: 'Shown this once (stored only as hashes); each works once in place of a code.',
  })
  recoveryCodes!: string[];
}

export class MfaChallengeDto {
  @ApiProperty({ enum: [true], description: 'The password was right; the second factor is needed (POST /auth/signin/mfa).' })
  mfaRequired!: true;

  @ApiProperty({ description: 'Send with the code to POST /auth/signin/mfa; dies after 5 minutes, 5 wrong codes or one success.' })
  mfaToken!: string;

  @ApiProperty({ type: 'integer', example: 300, description: "The mfaToken's lifetime in seconds." })
  expiresIn!: number;
}
