import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';

/** The catalog's environment: the common service variables; listens on 4105 by default. */
export const loadEnv = () => parseEnv(serviceEnvShape(4105));
