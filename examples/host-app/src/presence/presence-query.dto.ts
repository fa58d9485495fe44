import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** What another server asks on `presence.query`; validated before the handler runs. */
export class PresenceQueryDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  user!: string;
}
