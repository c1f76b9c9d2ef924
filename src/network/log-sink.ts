// The network layer logs through a function, not a logger object: the producer passes its own
// logger's levels, and code without one (the command line's probes, tests) passes nothing.

/** Where a component's log lines go: the producer's logger, by level. */
export type LogSink = (level: 'debug' | 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>) => void;
