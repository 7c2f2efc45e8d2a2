import { tracingSuite } from '../support/tracing-suite';

/** One trace per message in Jaeger, with the context following every await (AsyncLocalStorage). */
tracingSuite('async-hooks');
