import { Module } from '@nestjs/common';
import { PresenceModule } from '../presence/presence.module.js';
import { ClientsInterfaceService } from './clients-interface.service.js';

@Module({
  imports: [PresenceModule],
  providers: [ClientsInterfaceService],
})
export class ClientsModule {}
