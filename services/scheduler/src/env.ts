import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';

/** Every variable the scheduler service reads (the deploy checks compare this with compose and the manifests). */
export const envShape = serviceEnvShape(4104);

export const loadEnv = (source: Record<string, string | undefined> = process.env) => parseEnv(envShape, source);
