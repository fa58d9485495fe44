import { readFileSync } from 'node:fs';

/** `uc-mesh/<version>`, sent in the hello and shown in the peer's status. dist/ mirrors src/. */
export const SOFTWARE_VERSION = `uc-mesh/${
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version
}`;
