import { tracingSuite } from '../support/tracing-suite';

/** The same trace with the explicit context mode (what `auto` picks at low sampling ratios). */
tracingSuite('explicit');
