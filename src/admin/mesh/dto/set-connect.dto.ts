import { IsBoolean } from 'class-validator';

/** Body of `PATCH /api/mesh/nodes/:id`: the checkbox. */
export class SetConnectDto {
  /** false closes the link and makes the node refuse this peer's dials (`disabled-remote`). */
  @IsBoolean({ message: 'connect must be true or false' })
  connect!: boolean;
}
