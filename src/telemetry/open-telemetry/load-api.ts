// Loads @opentelemetry/api, an optional peer package, when a producer is built with the
// `openTelemetry` option, and never otherwise: no file of this package imports it at load time,
// so the package works without it. It is loaded with require() (both builds have one), so that
// the constructor stays synchronous; the package is CommonJS, and its globals (the registered
// providers, context manager and propagator) are shared by every copy of a compatible version.
import { ConfigError } from '../../errors/kafka-error.js';
import { packageRequire } from '../../records/package-require.cjs';
import type { OpenTelemetryContext, OpenTelemetryMeterProvider, OpenTelemetryPropagator, OpenTelemetrySpan, OpenTelemetryTracerProvider } from './open-telemetry-types.js';

/** The parts of @opentelemetry/api the producer calls. */
export interface OpenTelemetryApi {
  readonly context: { active(): OpenTelemetryContext };
  readonly trace: OpenTelemetryTracerProvider & { setSpan(context: OpenTelemetryContext, span: OpenTelemetrySpan): OpenTelemetryContext };
  readonly metrics: OpenTelemetryMeterProvider;
  readonly propagation: OpenTelemetryPropagator;
}

const API_PACKAGE = '@opentelemetry/api';

/** The @opentelemetry/api module, or a ConfigError naming `option` when it is not installed. */
export function loadOpenTelemetryApi(option: string): OpenTelemetryApi {
  // A variable, so that neither the compiler nor a bundler takes the package for a dependency.
  const specifier = API_PACKAGE;
  let api: Partial<OpenTelemetryApi>;
  try {
    api = packageRequire(specifier) as Partial<OpenTelemetryApi>;
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND';
    throw new ConfigError(
      option,
      missing
        ? `needs the optional package ${API_PACKAGE}, which is not installed: npm install ${API_PACKAGE}`
        : `could not load ${API_PACKAGE}: ${String(error)}`,
    );
  }
  if (typeof api.context?.active !== 'function' || typeof api.trace?.setSpan !== 'function' || typeof api.metrics?.getMeter !== 'function' || typeof api.propagation?.inject !== 'function') {
    throw new ConfigError(option, `the installed ${API_PACKAGE} lacks context, trace, metrics or propagation: install version 1.4 or later`);
  }
  return api as OpenTelemetryApi;
}
