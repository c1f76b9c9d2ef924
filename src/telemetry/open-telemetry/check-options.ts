// The check of the `openTelemetry` option, at construction: its shape, and that each provider or
// propagator given has the method the producer calls.
import { ConfigError } from '../../errors/kafka-error.js';

const FIELDS: Readonly<Record<string, 'boolean' | string>> = {
  traces: 'boolean',
  metrics: 'boolean',
  tracerProvider: 'getTracer',
  meterProvider: 'getMeter',
  propagator: 'inject',
};

/** Throws a ConfigError naming the field of `value` (the `openTelemetry` option) that is wrong. */
export function checkOpenTelemetryOption(value: unknown, name: string): void {
  if (value === undefined || typeof value === 'boolean') return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(name, `expected true, false or { traces?, metrics?, tracerProvider?, meterProvider?, propagator? }, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  for (const [field, given] of Object.entries(value)) {
    const expected = FIELDS[field];
    if (expected === undefined) throw new ConfigError(`${name}.${field}`, `unknown field; known fields: ${Object.keys(FIELDS).join(', ')}`);
    if (given === undefined) continue;
    if (expected === 'boolean') {
      if (typeof given !== 'boolean') throw new ConfigError(`${name}.${field}`, `expected true or false, got ${typeof given}`);
    } else if (typeof given !== 'object' || given === null || typeof (given as Record<string, unknown>)[expected] !== 'function') {
      throw new ConfigError(`${name}.${field}`, `expected an OpenTelemetry object with a ${expected}() method, got ${given === null ? 'null' : typeof given}`);
    }
  }
}
