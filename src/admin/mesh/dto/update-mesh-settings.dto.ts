import { IsBoolean, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { IsOmittable } from '../mesh-validation.js';

const INTERVAL = 'discoveryIntervalMs must be an integer from 500 to 3600000';

/** Body of `PUT /api/mesh/settings`: any of the settings; an empty body changes nothing. */
export class UpdateMeshSettingsDto {
  @IsOmittable()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

  /** Changing it needs `password` in the same request: the key is derived from both. */
  @IsOmittable()
  @IsString({ message: 'meshId must be a string of 1 to 128 characters' })
  @Length(1, 128, { message: 'meshId must be a string of 1 to 128 characters' })
  meshId?: string;

  /** Write-only: stored as a derived key, never shown. */
  @IsOmittable()
  @IsString({ message: 'password must be a string of 1 to 256 characters' })
  @Length(1, 256, { message: 'password must be a string of 1 to 256 characters' })
  password?: string;

  @IsOmittable()
  @IsBoolean({ message: 'discovery must be true or false' })
  discovery?: boolean;

  @IsOmittable()
  @IsInt({ message: INTERVAL })
  @Min(500, { message: INTERVAL })
  @Max(3_600_000, { message: INTERVAL })
  discoveryIntervalMs?: number;

  /** Accept authenticated nodes that are not in the list; off: they get `not-known-remote`. */
  @IsOmittable()
  @IsBoolean({ message: 'acceptUnknown must be true or false' })
  acceptUnknown?: boolean;
}
