/** A smaller render-bench file for tests (the bench itself uses 1 Mi folios). */
export const FIXTURE_EXTENTS = 1 << 14
