import { IsBoolean } from 'class-validator';
import { IsOmittable } from '../mesh-validation.js';

/** Body of `PATCH /api/mesh/nodes/:id`: the checkbox and the TLS requirement, at least one. */
export class SetConnectDto {
  /** false closes the link and makes the node refuse this peer's dials (`disabled-remote`). */
  @IsOmittable()
  @IsBoolean({ message: 'connect must be true or false' })
  connect?: boolean;

  /** A fixed node only: links to and from it must be TLS with certificates trusted both ways. */
  @IsOmittable()
  @IsBoolean({ message: 'requireTls must be true or false' })
  requireTls?: boolean;
}
