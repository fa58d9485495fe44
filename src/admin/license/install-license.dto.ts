import { IsString, MaxLength, MinLength } from 'class-validator';

export class InstallLicenseDto {
  /** A vendor-signed license token (JWT). */
  @IsString()
  @MinLength(1)
  @MaxLength(8192)
  token!: string;
}
