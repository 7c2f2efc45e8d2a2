import { Logger } from '@parley/observability';

/** A Logger that keeps what it is told, so expected failures stay out of test output and can be checked. */
export interface RecordingLogger extends Logger {
  entries: { level: string; msg: string; fields?: Record<string, unknown> }[];
}

export function recordingLogger(): RecordingLogger {
  const entries: RecordingLogger['entries'] = [];
  const record = (level: string) => (msg: string, fields?: Record<string, unknown>) => void entries.push({ level, msg, fields });
  const logger: RecordingLogger = {
    entries,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    child: () => logger,
  };
  return logger;
}
