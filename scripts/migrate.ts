/** The `migrate` command: database, migrations and streams, then exit. */
import { readPlatformConfig } from './platform';
import { setupPlatform } from './setup-platform';

const config = readPlatformConfig();
await setupPlatform(config);
console.log(`migrated ${new URL(config.databaseUrl).pathname.slice(1)} and created the streams of prefix ${config.natsPrefix}`);
