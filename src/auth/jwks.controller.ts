import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../access/public.decorator.js';
import { JwkSetDto } from './dto/jwk-set.dto.js';
import { TOKEN_KEYS } from './token.constants.js';
import { type TokenKeys } from './token-keys.js';

/** Other services verify access tokens with these public keys; the set is built once at start-up. */
@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(TOKEN_KEYS) private readonly keys: TokenKeys) {}

  @ApiOperation({ summary: 'The public keys that verify access tokens (JWK set)' })
  @ApiOkResponse({ type: JwkSetDto, description: 'Every key of JWT_ACCESS_KEYS, public members only; cacheable for 5 minutes' })
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @Get('jwks.json')
  jwks(): TokenKeys['access']['jwks'] {
    return this.keys.access.jwks;
  }
}
