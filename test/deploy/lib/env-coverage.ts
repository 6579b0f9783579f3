/**
 * The one comparison behind "every variable a process reads is set": given what a deployment
 * artefact passes to a process, report variables the process reads but nobody sets, variables
 * set that the process does not read (a typo, or a leftover), and values the process's own
 * schema rejects. Used for compose services and for Kubernetes containers alike.
 */
import { EnvError, parseEnv, serviceEnvShape } from '@conveyor/service-runtime';
import type { Problem } from './problems';
import { embedsPassword, isSecretVariable, migrateEnvFile, migrateVariables, processes, type EnvShape, type ProcessName } from './processes';

export interface ProvidedVariable {
  name: string;
  /** undefined when it comes from somewhere the check cannot read (a fieldRef, a missing Secret). */
  value: string | undefined;
  /** Where it is set, for messages. */
  file: string;
  field: string;
  /** Set from a Secret (Kubernetes) rather than a ConfigMap or a literal. */
  fromSecret: boolean;
  /** A placeholder of a template (the Secret template's CHANGE_ME): present, but not a value to parse. */
  placeholder?: boolean;
}

export interface EnvironmentUnderCheck {
  process: ProcessName | 'migrate';
  /** In the order they apply: a later entry overrides an earlier one of the same name. */
  provided: ProvidedVariable[];
  /** Where a missing variable should be added. */
  file: string;
  field: string;
  /** Names the artefact in messages: `compose service auth`, `[prod] Deployment auth`. */
  context: string;
  /** Kubernetes: credentials must come from a Secret. */
  requireSecretsFromSecret: boolean;
  /** Where to add a missing variable, appended to the message. */
  hint?: string;
}

const migrateShape = (() => {
  const shape = serviceEnvShape(0);
  return Object.fromEntries(migrateVariables.map((name) => [name, shape[name]])) as EnvShape;
})();

function readerOf(process: ProcessName | 'migrate'): { shape: EnvShape; envFile: string; load: (source: Record<string, string>) => unknown } {
  if (process === 'migrate') return { shape: migrateShape, envFile: migrateEnvFile, load: (source) => parseEnv(migrateShape, source) };
  const spec = processes[process];
  return { shape: spec.envShape, envFile: spec.envFile, load: spec.loadEnv };
}

export function checkEnvironment(input: EnvironmentUnderCheck): Problem[] {
  const problems: Problem[] = [];
  const { shape, envFile, load } = readerOf(input.process);
  const effective = new Map<string, ProvidedVariable>();
  for (const variable of input.provided) effective.set(variable.name, variable);

  for (const name of Object.keys(shape)) {
    if (!effective.has(name)) {
      problems.push({ file: input.file, field: input.field, message: `${input.context}: ${input.process} reads ${name} (${envFile}) but it is not set${input.hint ? ` (${input.hint})` : ''}` });
    }
  }
  for (const variable of effective.values()) {
    if (!(variable.name in shape)) {
      problems.push({ file: variable.file, field: variable.field, message: `${input.context}: sets ${variable.name}, which ${input.process} does not read (${envFile})` });
      continue;
    }
    if (input.requireSecretsFromSecret && !variable.fromSecret && (isSecretVariable(variable.name) || (variable.value !== undefined && embedsPassword(variable.value)))) {
      problems.push({ file: variable.file, field: variable.field, message: `${input.context}: ${variable.name} carries a credential and must come from a Secret (secretKeyRef), not a ConfigMap or a literal` });
    }
  }

  // The process's own loader, on exactly what it would receive (placeholders stand for a valid value).
  const values: Record<string, string> = {};
  for (const variable of effective.values()) {
    if (variable.value !== undefined && !variable.placeholder && variable.name in shape) values[variable.name] = variable.value;
  }
  try {
    load(values);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    for (const issue of error.problems) {
      const names = (issue.split(':')[0] ?? '').split(',').map((name) => name.trim());
      const sources = names.map((name) => effective.get(name));
      if (sources.some((source) => source?.placeholder || (source && source.value === undefined))) continue; // not a value we can judge
      if (sources.every((source) => source === undefined) && names.every((name) => name in shape)) continue; // unset: reported above
      const source = sources.find((s) => s !== undefined);
      const at = source ? { file: source.file, field: source.field } : { file: input.file, field: input.field };
      const shown = source?.value !== undefined ? ` ${JSON.stringify(source.value)}` : '';
      problems.push({ ...at, message: `${input.context}: ${input.process} rejects its environment${shown}: ${issue}` });
    }
  }
  return problems;
}
