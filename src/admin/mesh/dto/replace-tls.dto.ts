import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsOmittable } from '../mesh-validation.js';

/** PEM texts are a few kB; a chain of several certificates stays far below this. */
const MAX_PEM_CHARS = 64 * 1024;

/** Body of `PUT /api/mesh/tls`: new PEM material, checked before it replaces the current one. */
export class ReplaceTlsDto {
  /** The node's certificate, leaf first, then any intermediates. */
  @IsString({ message: 'cert must be PEM text' })
  @MinLength(1, { message: 'cert must be PEM text' })
  @MaxLength(MAX_PEM_CHARS, { message: `cert must be at most ${MAX_PEM_CHARS} characters` })
  cert!: string;

  /** Its unencrypted private key. */
  @IsString({ message: 'key must be PEM text' })
  @MinLength(1, { message: 'key must be PEM text' })
  @MaxLength(MAX_PEM_CHARS, { message: `key must be at most ${MAX_PEM_CHARS} characters` })
  key!: string;

  /** The CA certificate(s) peers must chain to; only where a CA file is configured. Left out: unchanged. */
  @IsOmittable()
  @IsString({ message: 'ca must be PEM text' })
  @MaxLength(MAX_PEM_CHARS, { message: `ca must be at most ${MAX_PEM_CHARS} characters` })
  ca?: string;
}
