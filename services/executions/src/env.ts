import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';

/** The executions service's environment: the common service variables; listens on 4103 by default. */
export const loadEnv = () => parseEnv(serviceEnvShape(4103));
