import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Only plain decimal digits become numbers: `1e3`, `0x10`, `1.5`, `` and repeated params stay invalid. */
const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value);

export class ListUsersQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 2_147_483_647, default: 0, description: 'Users to skip (ordered by id).' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'skip must be a non-negative integer' })
  @Min(0)
  @Max(2_147_483_647)
  skip: number = 0;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 100, default: 50, description: 'Users to return at most.' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'take must be an integer from 0 to 100' })
  @Min(0)
  @Max(100)
  take: number = 50;
}
