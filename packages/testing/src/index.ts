export { adminDatabaseUrl, createTestDatabase, dropDatabase, uniqueName, type TestDatabase } from './database';
export { connectTestNats, createTestStreams, deleteTestStreams, testNatsUrl } from './nats';
export { freePort, repositoryRoot, spawnStartCommand, startServiceProcess, waitForOk, type RunningProcess } from './processes';
export { migrateServices } from './migrations';
export { createTestTenant, createTestUser, type TestTenant, type TestUser } from './auth';
export { startTestPlatform, type TestPlatform } from './platform';
