import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';

/** The auth service's environment: the common service variables; listens on 4101 by default. */
export const loadEnv = () => parseEnv(serviceEnvShape(4101));
