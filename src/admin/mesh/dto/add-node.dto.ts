import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { IsHost, IsOmittable } from '../mesh-validation.js';

const PORT = 'port must be an integer from 1 to 65535';

/** Body of `POST /api/mesh/nodes`: a node added by hand (group `fixed`). */
export class AddNodeDto {
  /** Computer name or IP address, as this node dials it. */
  @IsHost({ message: 'host must be a computer name or an IP address of 1 to 253 characters' })
  host!: string;

  /** The node's clients network interface port. */
  @IsInt({ message: PORT })
  @Min(1, { message: PORT })
  @Max(65535, { message: PORT })
  port!: number;

  /** The checkbox; default true. */
  @IsOmittable()
  @IsBoolean({ message: 'connect must be true or false' })
  connect?: boolean;

  /** Links to and from this node must be TLS with certificates trusted both ways; default false. */
  @IsOmittable()
  @IsBoolean({ message: 'requireTls must be true or false' })
  requireTls?: boolean;
}
