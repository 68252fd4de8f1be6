import { ApiProperty } from '@nestjs/swagger';
import { type PublicJwk } from '../token-keys.js';

/** One public key of GET /.well-known/jwks.json (RFC 7517, P-256 members). */
export class PublicJwkDto implements PublicJwk {
  @ApiProperty({ enum: ['EC'] })
  kty!: 'EC';

  @ApiProperty({ enum: ['P-256'] })
  crv!: 'P-256';

  @ApiProperty({ description: 'The x coordinate, base64url' })
  x!: string;

  @ApiProperty({ description: 'The y coordinate, base64url' })
  y!: string;

  @ApiProperty({ description: 'The key id: access tokens name the key that signed them in their `kid` header' })
  kid!: string;

  @ApiProperty({ enum: ['ES256'] })
  alg!: 'ES256';

  @ApiProperty({ enum: ['sig'] })
  use!: 'sig';
}

/** Body of GET /.well-known/jwks.json. */
export class JwkSetDto {
  @ApiProperty({ type: [PublicJwkDto], description: 'Every key of JWT_ACCESS_KEYS, public members only; the first one signs' })
  keys!: PublicJwkDto[];
}
