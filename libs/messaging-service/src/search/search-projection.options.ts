export interface SearchProjectionOptions {
  /** Consume the events topic into the projection in this process (with the sequencer). */
  run: boolean;
}

export const SEARCH_PROJECTION_OPTIONS = Symbol('SearchProjectionOptions');
