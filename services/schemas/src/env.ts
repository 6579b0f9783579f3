import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';

/** The schemas service's environment: the common service variables; listens on 4102 by default. */
export const loadEnv = () => parseEnv(serviceEnvShape(4102));
