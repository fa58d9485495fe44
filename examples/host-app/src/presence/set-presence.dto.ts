import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class SetPresenceDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  status: string;
}
