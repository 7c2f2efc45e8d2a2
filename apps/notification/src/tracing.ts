import { startTracing } from '@parley/observability';

/** First import of main.ts: tracing starts before the instrumented libraries load (OTEL_* settings). */
startTracing('parley-notification');
