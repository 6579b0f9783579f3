import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';

/** The scheduler service's environment: the common service variables; listens on 4104 by default. */
export const loadEnv = () => parseEnv(serviceEnvShape(4104));
