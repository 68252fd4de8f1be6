import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches, ValidateIf } from 'class-validator';

const CODE_DESCRIPTION = "The authenticator's current 6 digits (one 30 s step of clock skew either way is accepted; each code works once).";

/** Body of enable and of regenerating the recovery codes: a code from the authenticator. */
export class TotpCodeDto {
  @ApiProperty({ pattern: '^\\d{6}$', example: '123456', description: CODE_DESCRIPTION })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

/** A code or a recovery code (exactly one): disable, and the second step of sign-in. */
export class SecondFactorDto {
  @ApiPropertyOptional({ pattern: '^\\d{6}$', example: '123456', description: CODE_DESCRIPTION + ' Give this or recoveryCode.' })
  @ValidateIf((body: SecondFactorDto) => body.recoveryCode === undefined || body.code !== undefined)
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional({
    example: 'abcd-efgh-ijkl-mnop',
    maxLength: 64,
    description: 'One of the recovery codes (each works once). Give this or code.',
  })
  @ValidateIf((body: SecondFactorDto) => body.recoveryCode !== undefined)
  @IsString()
  @Length(1, 64)
  recoveryCode?: string;
}

export class MfaSigninDto extends SecondFactorDto {
  @ApiProperty({ maxLength: 128, description: 'The mfaToken that POST /auth/signin answered (valid 5 minutes).' })
  @IsString()
  @Length(1, 128)
  mfaToken!: string;
}
