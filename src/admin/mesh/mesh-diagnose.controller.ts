import { Get } from '@nestjs/common';
import { type DiagnosisLine, MeshDiagnosisService } from '../../mesh/index.js';
import { AdminApi } from '../auth/admin-api.decorator.js';

/** `GET /api/mesh/diagnose`: what an administrator would check, a line each with ok / warning / error and a hint. */
@AdminApi('mesh/diagnose')
export class MeshDiagnoseController {
  constructor(private readonly diagnosis: MeshDiagnosisService) {}

  @Get()
  diagnose(): Promise<DiagnosisLine[]> {
    return this.diagnosis.diagnose();
  }
}
