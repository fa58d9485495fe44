import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface AdminModuleOptions {
  /** Bearer token for `/api/*`; unset ⇒ generated once into `<dataDir>/admin-token` (mode 0600). */
  adminToken?: string;
  /** Folder of the generated token. */
  dataDir: string;
}

export const {
  ConfigurableModuleClass: ConfigurableAdminModule,
  MODULE_OPTIONS_TOKEN: ADMIN_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<AdminModuleOptions>().setClassMethodName('forRoot').build();
